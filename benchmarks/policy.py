"""The policy engine's benchmark (issue 12): throughput and cold start, this SDK against the
previous release, measured in the same run.

``python benchmarks/policy.py`` decides the metric-only example cases (no DICOM) one after
another through the Python API with one reused plugin host, in one process (one core), for
rounds of a few seconds, alternating this SDK and the previous release so that both see the
same machine load; then times ``import coverage_sdk`` + the first determination (in process,
warm file cache) and the whole ``coverage-sdk evaluate`` command, five times each. Every
figure is printed as median (min-max).

The previous release (``PREVIOUS``, the last commit before this wave) is installed with its
plugins into ``benchmarks/.venv-previous`` on first use, from ``git archive`` of this
repository. Both are given the previous release's example cases, which both accept.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PREVIOUS = "5a1ac1c"
VENV = HERE / ".venv-previous"
WORKER = HERE / "policy_worker.py"


def previous_release() -> tuple[Path, Path]:
    """The previous release's python and its example cases folder (built on first use)."""
    source = VENV / "source"
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"installing the previous release ({PREVIOUS}) into {VENV.relative_to(REPO)} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", PREVIOUS], check=True, capture_output=True).stdout
        with tempfile.TemporaryFile() as tar:
            tar.write(archive)
            tar.seek(0)
            with tarfile.open(fileobj=tar) as opened:
                opened.extractall(source, filter="data")
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(source)], check=True)
        plugins = sorted(str(p) for p in (source / "plugins").iterdir() if (p / "pyproject.toml").exists())
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", *plugins], check=True)
    return python, source / "examples" / "cases"


def _json(command: list[str], env: dict[str, str] | None = None) -> dict:
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _spread(values: list[float], fmt: str = "{:.0f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def _cli_seconds(python: Path, case: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(python), "-m", "coverage_sdk.cli", "evaluate", "--format", "json", str(case)],
                   check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one throughput round")
    args = parser.parse_args()
    old_python, examples = previous_release()
    cases = [str(p) for p in sorted(examples.glob("*.json")) if '"dicom"' not in p.read_text()]
    tools = {"this SDK": Path(sys.executable), f"previous ({PREVIOUS})": old_python}
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    rate: dict[str, list[float]] = {name: [] for name in tools}
    first: dict[str, list[float]] = {name: [] for name in tools}
    cli: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(args.rounds):
        for name, python in tools.items():
            rate[name].append(_json([str(python), str(WORKER), "throughput", str(args.seconds), *cases], env)["cases_per_s"])
    for _ in range(5):
        for name, python in tools.items():
            first[name].append(_json([str(python), str(WORKER), "first", cases[0]], env)["seconds"])
            cli[name].append(_cli_seconds(python, Path(cases[0])))
    load = os.getloadavg()[0]
    print(f"policy engine, {len(cases)} metric-only example cases, one process; load average {load:.1f}")
    print(f"{'':24} {'cases/s per core':>22} {'import + first (ms)':>22} {'CLI evaluate (ms)':>22}")
    for name in tools:
        print(f"{name:24} {_spread(rate[name]):>22} {_spread([1000 * s for s in first[name]]):>22} "
              f"{_spread([1000 * s for s in cli[name]]):>22}")  # fmt: skip
    ours, theirs = tools
    ratios = [a / b for a, b in zip(rate[ours], rate[theirs])]
    print(f"throughput ratio, this SDK / previous, per round: {_spread(ratios, '{:.1f}')}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
