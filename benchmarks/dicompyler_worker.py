"""Times dicompyler-core 0.5.6 on the same work as the SDK; prints JSON.

Runs in ``benchmarks/.venv-dicompyler`` (pydicom < 3), never imports coverage_sdk.
``python dicompyler_worker.py time DOSE RTSS REPEAT`` times files -> every ROI's DVH;
``python dicompyler_worker.py accuracy DIR`` computes the DVH of each ``DIR/<case>/`` pair.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import pydicom
from dicompylercore import dicomparser, dvhcalc


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def files_to_dvhs(dose_path: str, rtss_path: str) -> dict:
    rtss, dose = pydicom.dcmread(rtss_path), pydicom.dcmread(dose_path)
    structures = dicomparser.DicomParser(rtss).GetStructures()
    return {s["name"]: dvhcalc.get_dvh(rtss, dose, key) for key, s in structures.items()}


def summary(dvh) -> dict:
    if not dvh.volume:
        return {"volume_cc": 0.0, "mean": None, "D99": None, "D95": None, "D5": None, "D1": None}
    stats = {name: float(dvh.statistic(name).value) for name in ("D99", "D95", "D5", "D1")}
    return {"volume_cc": float(dvh.volume), "mean": float(dvh.mean), **stats}


def time_breast(dose_path: str, rtss_path: str, repeat: int) -> dict:
    baseline = rss_mb()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        dvhs = files_to_dvhs(dose_path, rtss_path)
        times.append(time.perf_counter() - start)
    return {
        "tool": f"dicompyler-core {dvhcalc.__dict__.get('__version__', '0.5.6')} (pydicom {pydicom.__version__})",
        "seconds": min(times),
        "times": times,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baseline_rss_mb": baseline,
        "rois": {name: summary(dvh) for name, dvh in dvhs.items()},
    }


def accuracy(directory: str) -> dict:
    results = {}
    for case in sorted(Path(directory).iterdir()):
        (dvh,) = files_to_dvhs(str(case / "rtdose.dcm"), str(case / "rtss.dcm")).values()
        results[case.name] = summary(dvh)
    return results


if __name__ == "__main__":
    if sys.argv[1] == "time":
        print(json.dumps(time_breast(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        print(json.dumps(accuracy(sys.argv[2])))
