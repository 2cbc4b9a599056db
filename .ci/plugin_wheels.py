"""Each plugin's tests from wheels, outside the repository (``tox -e plugin-wheels``).

Builds a wheel of the core and of each plugin (``pip wheel --no-deps``) into WORK/wheels; then,
plugin by plugin, in a temporary folder outside the repository (tox's own folders are inside
it): a fresh venv with the core's wheel and the plugin's wheel and its ``test`` extra, a copy of
the plugin's tests/ and its pytest settings, and pytest run there, so that nothing of the
repository is importable. Exit 1 when a plugin's tests fail or its code comes from the repository.

    python .ci/plugin_wheels.py [--work DIR] [PLUGIN ...]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WHERE = "import coverage_sdk, {package} as p; print(coverage_sdk.__file__); print(p.__file__)"


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], cwd=cwd, check=True, text=True, capture_output=True)


def _one_wheel(folder: Path, distribution: str) -> Path:
    (wheel,) = folder.glob(f"{distribution.replace('-', '_')}-*.whl")
    return wheel


def _python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def test_plugin(plugin: Path, core: Path, wheels: Path) -> bool:
    """Install the core and ``plugin`` from their wheels into a fresh venv; run its tests outside the repo."""
    distribution = f"coverage-sdk-{plugin.name}"
    package = distribution.replace("-", "_")
    with tempfile.TemporaryDirectory(prefix=f"{plugin.name}-") as name:
        env, folder = Path(name) / "venv", Path(name) / "run"
        venv.create(env, with_pip=True)
        python = _python(env)
        _run(python, "-m", "pip", "install", "--quiet", core, f"{_one_wheel(wheels, distribution)}[test]")
        shutil.copytree(plugin / "tests", folder / "tests", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(plugin / "pyproject.toml", folder / "pyproject.toml")
        origins = [Path(line) for line in _run(python, "-c", WHERE.format(package=package), cwd=folder).stdout.split()]
        inside = [str(path) for path in origins if path.resolve().is_relative_to(REPO)]
        if inside or Path(name).resolve().is_relative_to(REPO):
            print(f"{plugin.name}: imported from the repository: {', '.join(inside) or folder}")
            return False
        done = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder, text=True,
                              capture_output=True)  # fmt: skip
    print(f"{plugin.name}: {done.stdout.strip().splitlines()[-1] if done.stdout.strip() else 'no output'}")
    if done.returncode:
        print(done.stdout[-4000:], done.stderr[-2000:], sep="\n")
    return done.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="folder for the wheels (default: a temporary one)")
    parser.add_argument("plugins", nargs="*", help="plugin folder names under plugins/ (default: all)")
    args = parser.parse_args(argv)
    plugins = [REPO / "plugins" / name for name in args.plugins] or sorted(
        path.parent for path in (REPO / "plugins").glob("*/pyproject.toml")
    )
    work = args.work or Path(tempfile.mkdtemp(prefix="plugin-wheels-"))
    wheels = work / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    started = time.monotonic()
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, REPO, *plugins)
    print(f"wheels: {len(list(wheels.glob('*.whl')))} built in {time.monotonic() - started:.0f} s")
    core = _one_wheel(wheels, "coverage-sdk")
    failed = []
    for plugin in plugins:
        began = time.monotonic()
        if not test_plugin(plugin, core, wheels):
            failed.append(plugin.name)
        print(f"{plugin.name}: {time.monotonic() - began:.0f} s")
    print(f"total: {time.monotonic() - started:.0f} s; failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
