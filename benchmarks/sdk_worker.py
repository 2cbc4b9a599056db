"""Times the SDK: files -> the DVH of every ROI of the breast example; prints JSON.

Run by ``benchmarks/run.py`` in the SDK's environment; also usable alone:
``python benchmarks/sdk_worker.py DOSE RTSS REPEAT``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def best_of(repeat: int, work):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(dose_path: str, rtss_path: str, repeat: int) -> dict:
    from coverage_sdk import _kernels
    from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct
    from coverage_sdk.dose.dvh import compute_dvh

    baseline = rss_mb()

    def files_to_dvhs():
        dose, structures = read_rtdose(dose_path), read_rtstruct(rtss_path)
        return dose, {name: compute_dvh(dose, s) for name, s in structures.items() if not s.is_empty}

    times, cpu_times = [], []
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        dose, dvhs = files_to_dvhs()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    read_dose, _ = best_of(repeat, lambda: read_rtdose(dose_path))
    read_rtss, structures = best_of(repeat, lambda: read_rtstruct(rtss_path))
    per_roi = {name: best_of(repeat, lambda s=s: compute_dvh(dose, s))[0] for name, s in structures.items() if not s.is_empty}
    return {
        "tool": f"coverage_sdk ({_kernels.extension_status()})",
        "seconds": min(times),
        "times": times,
        "cpu_times": cpu_times,
        "read_rtdose_s": read_dose,
        "read_rtstruct_s": read_rtss,
        "dvh_s": per_roi,
        "peak_rss_mb": peak,
        "baseline_rss_mb": baseline,
        "rois": {name: {"volume_cc": d.volume_cc, "mean": d.mean, "D95": d.statistic("D95"), "D5": d.statistic("D5")}
                 for name, d in dvhs.items()},
        "reference": {name: {"volume_cc": r.volume_cc, "mean": r.mean, "D95": r.dose_at_volume(95), "D5": r.dose_at_volume(5)}
                      for name, s in structures.items() if (r := dose.reference_dvhs.get(s.number)) is not None},
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
