"""The DVH benchmark of issues 3 and 17: coverage_sdk against dicompyler-core 0.5.6, in one run.

``python benchmarks/run.py`` times files -> the DVH of every ROI of the breast example
(shared/data/dicom/breast-example) with both tools, each in its own process, in two
scenarios in the same run: the machine as it is, then with one competing CPU-bound process
per available CPU (a vendor's shared server). Each scenario is rounds of N SDK runs and one
dicompyler-core run, a ratio per round; every time and ratio is printed as median (min-max),
with the load average and the SDK's CPU time per run. Then peak memory, the SDK's reading times, a per-ROI agreement table,
and the peak memory of files -> DVHs on the breast plan's dose grid resampled 4x finer along
x and y (``--memory`` for that alone). ``python benchmarks/run.py --accuracy`` runs both on
the analytic phantoms of tests/phantoms.py (written to RT files for dicompyler-core) and prints their errors against
the closed forms, as acceptance 1 measures them.

dicompyler-core needs pydicom < 3, so it runs in ``benchmarks/.venv-dicompyler``, which this
script creates on first use (``python -m venv`` and pip).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from coverage_sdk._kernels import available_cpus

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BREAST = REPO.parent / "shared" / "data" / "dicom" / "breast-example"
VENV = HERE / ".venv-dicompyler"
DICOMPYLER_REQUIREMENTS = ["dicompyler-core==0.5.6", "pydicom<3"]
STATISTICS = ("D99", "D95", "D5", "D1", "mean")
FINER = 4


def dicompyler_python() -> str:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV.relative_to(REPO)} for dicompyler-core ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *DICOMPYLER_REQUIREMENTS], check=True)
    return str(python)


def run_json(command: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _spread(values: list[float], scale: float = 1.0, unit: str = "ms") -> str:
    low, mid, high = (scale * v for v in (min(values), statistics.median(values), max(values)))
    return f"{mid:8.1f} {unit} ({low:.1f}-{high:.1f})"


@contextlib.contextmanager
def competing_processes(count: int):
    """``count`` CPU-bound processes (a busy loop each, stopped on leaving, at most ten minutes)."""
    loop = "import time\nend = time.monotonic() + 600\nwhile time.monotonic() < end:\n    pass\n"
    workers = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(count)]
    try:
        time.sleep(1.0)
        yield
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait()


def _scenario(label: str, repeat_sdk: int, repeat_dicompyler: int) -> tuple[dict, dict]:
    """Rounds of (the SDK ``repeat_sdk`` times, dicompyler-core once), so that each round's ratio
    compares the two under the same load."""
    dose, rtss = str(BREAST / "rtdose.dcm"), str(BREAST / "rtss.dcm")
    load_before = os.getloadavg()[0]
    rounds = []
    for _ in range(repeat_dicompyler):
        sdk = run_json([sys.executable, str(HERE / "sdk_worker.py"), dose, rtss, str(repeat_sdk)])
        other = run_json([dicompyler_python(), str(HERE / "dicompyler_worker.py"), "time", dose, rtss, "1"])
        rounds.append((sdk, other))
    load_after = os.getloadavg()[0]
    sdk_times = [t for sdk, _ in rounds for t in sdk["times"]]
    other_times = [t for _, other in rounds for t in other["times"]]
    ratios = [other["times"][0] / statistics.median(sdk["times"]) for sdk, other in rounds]
    print(f"\n{label}; load average (1 min) before: {load_before:.1f}, after: {load_after:.1f}")
    print(f"{'tool':44s} {'time: median (min-max)':>28s} {'peak RSS':>10s}")
    for result, times in ((rounds[0][0], sdk_times), (rounds[0][1], other_times)):
        print(f"{result['tool']:44s} {_spread(times, 1e3):>28s} {result['peak_rss_mb']:7.0f} MB")
    print(f"ratio dicompyler-core / SDK (median SDK time of the same round), {len(rounds)} rounds:"
          f" {_spread(ratios, unit='x')}")
    cpu = [t for sdk, _ in rounds for t in sdk["cpu_times"]]
    print(f"SDK CPU time per run (process time, every thread, less sensitive to other load): {_spread(cpu, 1e3)}")
    return rounds[0]


def speed(repeat_sdk: int, repeat_dicompyler: int) -> None:
    cores = available_cpus()
    print(f"files -> DVHs of every ROI, {BREAST.relative_to(REPO.parent)}; {repeat_dicompyler} rounds of SDK"
          f" {repeat_sdk} runs + dicompyler-core 1 run, each tool in its own process; {cores} CPUs available")
    sdk, other = _scenario("idle machine (as idle as it is: nothing started by this benchmark)", repeat_sdk, repeat_dicompyler)
    with competing_processes(cores):
        _scenario(f"loaded: {cores} competing CPU-bound processes, one per CPU", repeat_sdk, repeat_dicompyler)

    print(f"\nSDK reading (idle run): read_rtdose {sdk['read_rtdose_s'] * 1e3:.1f} ms, read_rtstruct"
          f" {sdk['read_rtstruct_s'] * 1e3:.1f} ms; compute_dvh {sum(sdk['dvh_s'].values()) * 1e3:.1f} ms in all:")
    print("  " + ", ".join(f"{name} {t * 1e3:.1f}" for name, t in sdk["dvh_s"].items()))

    columns = ("volume cc: SDK", "dicompyler", "planning", "mean Gy: SDK", "dicompyler", "planning")
    print(f"\n{'ROI':16s} {columns[0]:>15s} {columns[1]:>11s} {columns[2]:>9s}"
          f"   {columns[3]:>12s} {columns[4]:>11s} {columns[5]:>9s}")
    for name, ours in sdk["rois"].items():
        theirs = other["rois"].get(name, {})
        planned = sdk["reference"].get(name, {})
        print(f"{name:16s} {ours['volume_cc']:15.2f} {_num(theirs.get('volume_cc')):>11s} {_num(planned.get('volume_cc')):>9s}"
              f"   {ours['mean']:12.3f} {_num(theirs.get('mean'), 3):>11s} {_num(planned.get('mean'), 3):>9s}")
    memory(FINER)


def memory(factor: int, runs: int = 3) -> None:
    """Peak RSS of files -> DVHs with the breast plan's dose grid ``factor`` times finer along x and y."""
    rtss = str(BREAST / "rtss.dcm")
    with tempfile.TemporaryDirectory() as directory:
        finer = str(Path(directory) / "rtdose.dcm")
        shape = run_json([sys.executable, str(HERE / "memory_worker.py"), "write", str(BREAST / "rtdose.dcm"),
                          str(factor), finer])
        results = [run_json([sys.executable, str(HERE / "memory_worker.py"), "measure", finer, rtss]) for _ in range(runs)]
    peaks = [r["peak_rss_mb"] for r in results]
    print(f"\nbreast plan's dose grid {factor}x finer along x and y ({shape['voxels']:,} voxels,"
          f" dose held in {results[0]['dose_bytes'] / 2**20:.0f} MB), files -> DVHs in a fresh process, {runs} runs:")
    print(f"  peak RSS {_spread(peaks, unit='MB')}, time {_spread([r['seconds'] for r in results], 1e3)}")


def _num(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def accuracy(stride: int) -> None:
    sys.path[:0] = [str(REPO / "tests"), str(HERE)]
    import phantoms

    from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct
    from coverage_sdk.dose.dvh import compute_dvh
    from coverage_sdk.testing.dicom import ROI, Encoding, rtdose, rtstruct

    cases = (phantoms.all_cases() + phantoms.across_cases())[::stride]
    truths, ours = {}, {}
    with tempfile.TemporaryDirectory() as directory:
        for case in cases:
            folder = Path(directory) / case.label
            folder.mkdir()
            grid, implicit = phantoms.dose_grid(case), Encoding.IMPLICIT_LITTLE
            rtdose(grid.dose, grid.x, grid.y, grid.z, path=folder / "rtdose.dcm", encoding=implicit)
            rtstruct([ROI.from_structure(phantoms.structure(case))], path=folder / "rtss.dcm", decimals=6, encoding=implicit)
            dose, (structure,) = read_rtdose(folder / "rtdose.dcm"), read_rtstruct(folder / "rtss.dcm").values()
            dvh = compute_dvh(dose, structure)
            ours[case.label] = {"volume_cc": dvh.volume_cc, "mean": dvh.mean,
                                **{s: dvh.statistic(s) for s in STATISTICS[:-1]}}
            truths[case.label] = phantoms.truth(case)
        theirs = run_json([dicompyler_python(), str(HERE / "dicompyler_worker.py"), "accuracy", directory])

    print(f"accuracy on {len(cases)} analytic phantoms of tests/phantoms.py (files written for both tools)")
    print("errors: volume in % of the true volume, doses in % of the structure's maximum dose; p90 / worst\n")
    print(f"{'':10s} {'SDK p90':>9s} {'SDK worst':>10s} {'dicompyler p90':>15s} {'dicompyler worst':>17s}")
    for key in ("volume_cc", *STATISTICS):
        row = [_errors(results, truths, key) for results in (ours, theirs)]
        print(f"{key:10s} {row[0][0]:9.2f} {row[0][1]:10.2f} {row[1][0]:15.2f} {row[1][1]:17.2f}")


def _errors(results: dict, truths: dict, key: str) -> tuple[float, float]:
    errors = []
    for label, truth in truths.items():
        value = results[label].get(key)
        base = truth["volume_cc"] if key == "volume_cc" else truth["max"]
        errors.append(100.0 if value is None else abs(value - truth[key]) / base * 100)
    return float(np.percentile(errors, 90)), float(np.max(errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accuracy", action="store_true", help="errors on the analytic phantoms instead of speed")
    parser.add_argument("--stride", type=int, default=1, help="with --accuracy: take every n-th phantom")
    parser.add_argument("--memory", action="store_true", help="only the peak memory on the finer dose grid")
    parser.add_argument("--repeat", type=int, default=10, help="SDK runs per round")
    parser.add_argument("--repeat-dicompyler", type=int, default=3, help="rounds (one dicompyler-core run each) per scenario")
    args = parser.parse_args()
    if args.accuracy:
        accuracy(args.stride)
    elif args.memory:
        memory(FINER)
    else:
        speed(args.repeat, args.repeat_dicompyler)


if __name__ == "__main__":
    main()
