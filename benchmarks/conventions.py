"""CPU time of the breast example's DVHs under each volume convention, in one process.

``python benchmarks/conventions.py [REPEAT]``: per ROI, the best of 3 batches of ``REPEAT``
single-threaded ``compute_dvh`` calls (process CPU time, so other processes on the machine
count less than in wall time), for ``SLABS`` (plain slabs, the former default) and the default
``INTERPOLATED``; then the stacks alone. Prints the load average with the figures.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct
from coverage_sdk.dose.dvh import compute_dvh
from coverage_sdk.dose.interpolation import VolumeConvention, stack

BREAST = Path(__file__).resolve().parents[2] / "shared" / "data" / "dicom" / "breast-example"


def cpu_ms(work, repeat: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(repeat):
            work()
        best = min(best, (time.process_time() - start) / repeat)
    return best * 1000


def main(repeat: int) -> None:
    dose, structures = read_rtdose(BREAST / "rtdose.dcm"), read_rtstruct(BREAST / "rtss.dcm")
    rois = {name: s for name, s in structures.items() if not s.is_empty}
    print(f"load average {os.getloadavg()[0]:.2f}; CPU ms, best of 3 x {repeat}, one thread")
    print(f"{'ROI':16s} {'planes':>13s} {'SLABS':>8s} {'INTERPOLATED':>13s}")
    totals = {convention: 0.0 for convention in (VolumeConvention.SLABS, VolumeConvention.INTERPOLATED)}
    for name, roi in rois.items():
        times = {c: cpu_ms(lambda c=c: compute_dvh(dose, roi, convention=c, threads=1), repeat) for c in totals}
        for c, t in times.items():
            totals[c] += t
        planes = [stack(roi, dose.z, c).lo.size for c in totals]
        print(f"{name:16s} {planes[0]:5d} -> {planes[1]:5d} {times[VolumeConvention.SLABS]:8.2f} "
              f"{times[VolumeConvention.INTERPOLATED]:13.2f}")
    print(f"{'all ROIs':16s} {'':13s} {totals[VolumeConvention.SLABS]:8.2f} {totals[VolumeConvention.INTERPOLATED]:13.2f}")
    stacks = {c: cpu_ms(lambda c=c: [stack(roi, dose.z, c) for roi in rois.values()], 10 * repeat) for c in totals}
    print(f"{'stacks alone':16s} {'':13s} {stacks[VolumeConvention.SLABS]:8.2f} {stacks[VolumeConvention.INTERPOLATED]:13.2f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
