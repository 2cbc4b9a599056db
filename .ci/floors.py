"""Writes every lower bound that pyproject.toml declares as an exact pin, for the floors env.

    python .ci/floors.py OUT_DIR

``OUT_DIR/build.txt`` pins the build requirements (to install before a build without isolation),
``OUT_DIR/floors.txt`` pins those and every dependency of the project and of its extras (a pip
constraints file). A requirement without a ``>=`` bound is an error: its floor would be unknown.
"""

import sys
from pathlib import Path

from packaging.requirements import Requirement

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib


def pins(requirements: list[str]) -> list[str]:
    lines = []
    for text in requirements:
        requirement = Requirement(text)
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(floors) != 1:
            sys.exit(f"{text}: no single >= lower bound")
        lines.append(f"{requirement.name}=={floors[0]}")
    return lines


def main(out: Path) -> None:
    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    build = pins(project["build-system"]["requires"])
    run = pins(project["project"]["dependencies"])
    extras = [pin for group in project["project"]["optional-dependencies"].values() for pin in pins(group)]
    out.mkdir(parents=True, exist_ok=True)
    (out / "build.txt").write_text("\n".join(build) + "\n")
    (out / "floors.txt").write_text("\n".join(dict.fromkeys(build + run + extras)) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
