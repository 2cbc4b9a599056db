"""Proves what a user installs, each time in a fresh venv under WORK (tox envs wheel, nocompiler, floors).

    python .ci/artifacts.py wheel WORK
        ``python -m build``: an sdist, then a wheel built from that sdist. The wheel, installed with
        the in-repo plugins, reports ``extension: compiled`` and passes the tests the sdist carries,
        run from the unpacked sdist, where they import the installed package (the repository's
        plugins/ is linked beside it, for the example cases that name a plugin's DICOM files).
        Then the sdist's host script (tests/typing/host.py) passes ``mypy --strict`` against the
        installed wheel (its py.typed and kernel stubs), and stubtest finds the stubs true to the
        compiled kernels.
    python .ci/artifacts.py nocompiler WORK
        ``CC=/bin/false pip install .`` installs with a build warning; ``coverage-sdk --version`` then
        says ``extension: pure-python`` with a one-line warning. With COVERAGE_SDK_REQUIRE_COMPILED=1
        the same install fails, and so does the command in an install without the kernels.
    python .ci/artifacts.py floors WORK
        Every lower bound that pyproject.toml declares, installed exactly (.ci/floors.py): the package
        is built from its sdist against the build floors, then the core and plugin tests pass (the
        plugins' own further requirements at their newest).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: build's own dependency
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
PLUGINS = [str(p) for p in sorted((REPO / "plugins").iterdir()) if (p / "pyproject.toml").exists()]
TEST_ENV = {
    "COVERAGE_SDK_EXPECT_EXTENSION": "compiled",
    "COVERAGE_SDK_REQUIRE_COMPILED": "1",
    "COVERAGE_SDK_SHARED": str(REPO.parent / "shared"),
    "MPLBACKEND": "Agg",
}


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, check: bool = True,
        capture: bool = False) -> subprocess.CompletedProcess:
    """Runs ``command``; with ``capture`` its output is returned (and printed), else it streams."""
    print("+", " ".join(map(str, command)), flush=True)
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=capture, text=True
    )
    if capture:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", flush=True)
    if check and done.returncode:
        sys.exit(f"failed ({done.returncode}): {' '.join(map(str, command))}")
    return done


def fresh(work: Path) -> Path:
    """An empty WORK holding a new venv; returns the venv's bin (Scripts) folder."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    run(sys.executable, "-m", "venv", work / "venv")
    return work / "venv" / ("Scripts" if os.name == "nt" else "bin")


def only(folder: Path, pattern: str) -> Path:
    (path,) = folder.glob(pattern)
    return path


def wheel(work: Path) -> None:
    bin_ = fresh(work)
    run(sys.executable, "-m", "build", "--outdir", work / "dist", REPO)
    sdist, built = only(work / "dist", "*.tar.gz"), only(work / "dist", "*.whl")
    run(bin_ / "python", "-m", "pip", "install", "--quiet", f"{built}[test]", *PLUGINS)
    version = run(bin_ / "coverage-sdk", "--version", capture=True)
    assert "extension: compiled" in version.stdout.splitlines(), version.stdout
    with tarfile.open(sdist) as archive:
        archive.extractall(work / "sdist", filter="data")
    unpacked = only(work / "sdist", "coverage_sdk-*")
    # as in the repository, the plugins beside examples/: a README example names a plugin's DICOM files
    (unpacked / "plugins").symlink_to(REPO / "plugins", target_is_directory=True)
    where = run(bin_ / "python", "-c", "import coverage_sdk; print(coverage_sdk.__file__)", cwd=unpacked, capture=True)
    assert Path(where.stdout.strip()).is_relative_to(work / "venv"), f"tests would import {where.stdout}"
    run(bin_ / "pytest", "-p", "no:cacheprovider", "-q", cwd=unpacked, env=TEST_ENV)
    check_types(bin_, work, unpacked)


def check_types(bin_: Path, work: Path, unpacked: Path) -> None:
    """The host script type-checks strictly against the installed package, and the kernel stubs match the build."""
    typing_group = tomllib.loads((unpacked / "pyproject.toml").read_text())["dependency-groups"]["typing"]
    run(bin_ / "python", "-m", "pip", "install", "--quiet", *typing_group)
    # a config of its own, in a folder without sources: mypy sees only what the venv installed
    (work / "mypy.ini").write_text("[mypy]\nstrict = True\n")
    run(bin_ / "mypy", "--config-file", work / "mypy.ini", unpacked / "tests" / "typing" / "host.py", cwd=work)
    kernels = [f"coverage_sdk.{pyx.stem}" for pyx in sorted((unpacked / "ext").glob("*.pyx"))]
    allowlist = unpacked / "tests" / "typing" / "stubtest-allowlist.txt"
    run(bin_ / "python", "-m", "mypy.stubtest", "--allowlist", allowlist, *kernels, cwd=work)


def nocompiler(work: Path) -> None:
    bin_ = fresh(work)
    # a build folder of its own: objects left in the checkout's build/ would be taken as up to date
    (work / "build.cfg").write_text(f"[build]\nbuild_base = {work / 'build'}\n")
    env = {"CC": "/bin/false", "DIST_EXTRA_CONFIG": str(work / "build.cfg")}
    refused = run(bin_ / "python", "-m", "pip", "install", REPO, env={**env, "COVERAGE_SDK_REQUIRE_COMPILED": "1"}, check=False, capture=True)
    assert refused.returncode != 0, "COVERAGE_SDK_REQUIRE_COMPILED=1 installed without a compiler"
    install = run(bin_ / "python", "-m", "pip", "install", "--verbose", REPO, env=env, capture=True)
    warned = [line.strip() for line in (install.stdout + install.stderr).splitlines() if "uses its numpy twin" in line]
    print("the build's warnings:", *warned, sep="\n  ")
    assert warned, "the build gave no warning"
    version = run(bin_ / "coverage-sdk", "--version", capture=True)
    assert "extension: pure-python" in version.stdout.splitlines(), version.stdout
    warning = version.stderr.splitlines()
    assert len(warning) == 1 and "RuntimeWarning" in warning[0] and "numpy twins" in warning[0], version.stderr
    required = run(bin_ / "coverage-sdk", "--version", env={"COVERAGE_SDK_REQUIRE_COMPILED": "1"}, check=False, capture=True)
    assert required.returncode == 2 and "Traceback" not in required.stderr, required.stderr
    assert required.stderr.startswith("error: ") and "COVERAGE_SDK_REQUIRE_COMPILED is set" in required.stderr, required.stderr


def floors(work: Path) -> None:
    bin_ = fresh(work)
    run(sys.executable, REPO / ".ci" / "floors.py", work)
    run(sys.executable, "-m", "build", "--sdist", "--outdir", work / "dist", REPO)
    pip = (bin_ / "python", "-m", "pip", "install", "--quiet")
    run(*pip, "-r", work / "build.txt")
    run(*pip, "--no-build-isolation", "-c", work / "floors.txt", f"{only(work / 'dist', '*.tar.gz')}[test]")
    run(*pip, "--no-build-isolation", "-c", work / "floors.txt", *(f"{plugin}[test]" for plugin in PLUGINS))
    run(bin_ / "python", "-m", "pip", "freeze")
    run(bin_ / "pytest", "-p", "no:cacheprovider", "-q", "tests", "plugins", cwd=REPO, env=TEST_ENV)


if __name__ == "__main__":
    {"wheel": wheel, "nocompiler": nocompiler, "floors": floors}[sys.argv[1]](Path(sys.argv[2]).resolve())
