"""The policy engine's benchmark (issue 12): throughput and cold start, this SDK against the
previous release, measured in the same run.

``python benchmarks/policy.py`` decides the metric-only example cases (no DICOM) one after
another through the Python API with one reused plugin host, in one process, for rounds of a
few seconds, alternating this SDK and the previous release so that both see the same machine
load. Throughput per core is cases per CPU second of that process (every thread counted), so
other processes on a shared machine slow it little; cases per wall-clock second are printed
beside it. Then it times ``import coverage_sdk`` + the first determination (in a fresh
process, wall-clock and CPU) and the whole ``coverage-sdk evaluate`` command, in several
fresh processes each. Every figure is the median (min-max) over rounds or processes, printed
with the load average before and after, and the ratio of this SDK to the previous release.

Cold starts are measured in a warm file cache: each tool is run once, untimed, first, with
Python allowed to write its bytecode cache (``PYTHONDONTWRITEBYTECODE`` is dropped for the
children), as an installed wheel has it.

The previous release (``PREVIOUS``, the last commit before this wave) is installed with its
plugins into ``benchmarks/.venv-previous`` on first use, from ``git archive`` of this
repository. Both are given the previous release's example cases, which both accept.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def _cli_run(python: Path, case: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one whole ``coverage-sdk evaluate`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(python), "-m", "coverage_sdk.cli", "evaluate", "--format", "json", str(case)],
                   check=True, capture_output=True, env=env)  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds per release")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one throughput round")
    parser.add_argument("--starts", type=int, default=7, help="fresh processes per cold-start figure")
    args = parser.parse_args()
    old_python, examples = previous_release()
    cases = [str(p) for p in sorted(examples.glob("*.json")) if '"dicom"' not in p.read_text()]
    tools = {"this SDK": Path(sys.executable), f"previous ({PREVIOUS})": old_python}
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["OMP_NUM_THREADS"] = "1"
    load_before = _load()
    for python in tools.values():
        _json([str(python), str(WORKER), "first", cases[0]], env)
        _cli_run(python, Path(cases[0]), env)
    per_core: dict[str, list[float]] = {name: [] for name in tools}
    per_wall: dict[str, list[float]] = {name: [] for name in tools}
    first: dict[str, list[float]] = {name: [] for name in tools}
    first_cpu: dict[str, list[float]] = {name: [] for name in tools}
    cli: dict[str, list[float]] = {name: [] for name in tools}
    cli_cpu: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(args.rounds):
        for name, python in tools.items():
            found = _json([str(python), str(WORKER), "throughput", str(args.seconds), *cases], env)
            per_core[name].append(found["cases_per_cpu_s"])
            per_wall[name].append(found["cases_per_s"])
    for _ in range(args.starts):
        for name, python in tools.items():
            found = _json([str(python), str(WORKER), "first", cases[0]], env)
            first[name].append(1000 * found["seconds"])
            first_cpu[name].append(1000 * found["cpu_seconds"])
            wall, cpu = _cli_run(python, Path(cases[0]), env)
            cli[name].append(1000 * wall)
            cli_cpu[name].append(1000 * cpu)
    print(f"policy engine, {len(cases)} metric-only example cases; load average (1/5/15 min) {load_before} before, {_load()} after")
    print(f"throughput: {args.rounds} rounds of {args.seconds:g} s, one process each; cold starts: {args.starts} fresh processes each")
    print("median (min-max)")
    columns = ("cases/s per core", "cases/s wall", "import+first ms", "import+first CPU ms", "CLI evaluate ms", "CLI CPU ms")
    print(f"{'':22}" + "".join(f"{c:>22}" for c in columns))
    for name in tools:
        figures = (per_core[name], per_wall[name], first[name], first_cpu[name], cli[name], cli_cpu[name])
        print(f"{name:22}" + "".join(f"{_spread(f):>22}" for f in figures))
    ours, theirs = tools
    ratios = [a / b for a, b in zip(per_core[ours], per_core[theirs])]
    print(f"throughput per core, this SDK / previous, per round: {_spread(ratios, '{:.1f}')}x")
    print(f"import + first, previous / this SDK (medians): {statistics.median(first[theirs]) / statistics.median(first[ours]):.1f}x; "
          f"CLI evaluate: {statistics.median(cli[theirs]) / statistics.median(cli[ours]):.1f}x")  # fmt: skip
    core, start = statistics.median(per_core[ours]), statistics.median(first[ours])
    print(f"issue 12 targets, this SDK (medians): >= 1,000 cases/s per core: {core:,.0f} ({'met' if core >= 1000 else 'NOT met'}); "
          f"import + first determination <= 300 ms: {start:.0f} ms ({'met' if start <= 300 else 'NOT met'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
