"""The DVH benchmark of issue 3: coverage_sdk against dicompyler-core 0.5.6, in one run.

``python benchmarks/run.py`` times files -> the DVH of every ROI of the breast example
(shared/data/dicom/breast-example) with both tools, each in its own process, best of N,
and prints time, peak memory, the ratio, the SDK's reading times and a per-ROI agreement
table. ``python benchmarks/run.py --accuracy`` runs both on the analytic phantoms of
tests/phantoms.py (written to RT files for dicompyler-core) and prints their errors against
the closed forms, as acceptance 1 measures them.

dicompyler-core needs pydicom < 3, so it runs in ``benchmarks/.venv-dicompyler``, which this
script creates on first use (``python -m venv`` and pip).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BREAST = REPO.parent / "shared" / "data" / "dicom" / "breast-example"
VENV = HERE / ".venv-dicompyler"
DICOMPYLER_REQUIREMENTS = ["dicompyler-core==0.5.6", "pydicom<3"]
STATISTICS = ("D99", "D95", "D5", "D1", "mean")


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


def speed(repeat_sdk: int, repeat_dicompyler: int) -> None:
    dose, rtss = str(BREAST / "rtdose.dcm"), str(BREAST / "rtss.dcm")
    sdk = run_json([sys.executable, str(HERE / "sdk_worker.py"), dose, rtss, str(repeat_sdk)])
    other = run_json([dicompyler_python(), str(HERE / "dicompyler_worker.py"), "time", dose, rtss, str(repeat_dicompyler)])

    print(f"files -> DVHs of every ROI, {BREAST.relative_to(REPO.parent)} (best of {repeat_sdk} / {repeat_dicompyler})\n")
    print(f"{'tool':44s} {'time':>10s} {'peak RSS':>10s} {'above imports':>14s}")
    for result in (sdk, other):
        print(f"{result['tool']:44s} {result['seconds'] * 1e3:8.1f} ms {result['peak_rss_mb']:7.0f} MB"
              f" {result['peak_rss_mb'] - result['baseline_rss_mb']:11.0f} MB")
    print(f"\nratio dicompyler-core / SDK: {other['seconds'] / sdk['seconds']:.0f}x")
    print(f"\nSDK reading: read_rtdose {sdk['read_rtdose_s'] * 1e3:.1f} ms, read_rtstruct {sdk['read_rtstruct_s'] * 1e3:.1f} ms;"
          f" compute_dvh {sum(sdk['dvh_s'].values()) * 1e3:.1f} ms in all:")
    print("  " + ", ".join(f"{name} {t * 1e3:.1f}" for name, t in sdk["dvh_s"].items()))

    columns = ("volume cc: SDK", "dicompyler", "planning", "mean Gy: SDK", "dicompyler", "planning")
    print(f"\n{'ROI':16s} {columns[0]:>15s} {columns[1]:>11s} {columns[2]:>9s}"
          f"   {columns[3]:>12s} {columns[4]:>11s} {columns[5]:>9s}")
    for name, ours in sdk["rois"].items():
        theirs = other["rois"].get(name, {})
        planned = sdk["reference"].get(name, {})
        print(f"{name:16s} {ours['volume_cc']:15.2f} {_num(theirs.get('volume_cc')):>11s} {_num(planned.get('volume_cc')):>9s}"
              f"   {ours['mean']:12.3f} {_num(theirs.get('mean'), 3):>11s} {_num(planned.get('mean'), 3):>9s}")


def _num(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def accuracy(stride: int) -> None:
    sys.path[:0] = [str(REPO / "tests"), str(HERE)]
    import phantoms

    from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct
    from coverage_sdk.dose.dvh import compute_dvh
    from coverage_sdk.testing.dicom import ROI, Encoding, rtdose, rtstruct

    cases = phantoms.all_cases()[::stride]
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
    parser.add_argument("--repeat", type=int, default=10, help="SDK runs (best is kept)")
    parser.add_argument("--repeat-dicompyler", type=int, default=3, help="dicompyler-core runs (best is kept)")
    args = parser.parse_args()
    if args.accuracy:
        accuracy(args.stride)
    else:
        speed(args.repeat, args.repeat_dicompyler)


if __name__ == "__main__":
    main()
