"""Peak memory of files -> DVHs on the breast plan's dose grid resampled finer; prints JSON.

``python benchmarks/memory_worker.py write DOSE FACTOR OUT`` writes a copy of the RT Dose with
its pixel spacing divided by FACTOR (trilinear resampling along x and y, the planes kept);
``python benchmarks/memory_worker.py measure DOSE RTSS`` reads both files and computes every
ROI's DVH in this fresh process, and reports its peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np


def _finer(stored: np.ndarray, factor: int, axis: int) -> np.ndarray:
    n = stored.shape[axis]
    position = np.arange((n - 1) * factor + 1) / factor
    low = np.minimum(position.astype(np.int64), n - 2)
    weight = (position - low).reshape([-1 if a == axis else 1 for a in range(stored.ndim)])
    return np.take(stored, low, axis=axis) * (1 - weight) + np.take(stored, low + 1, axis=axis) * weight


def write(dose_path: str, factor: int, out: str) -> dict:
    from coverage_sdk.testing.dicom import dataset
    from coverage_sdk.testing.dicom import write as write_file

    ds = dataset(dose_path)
    dtype = ds.pixel_array.dtype.newbyteorder("<")
    stored = ds.pixel_array.astype(np.float64)
    finer = _finer(_finer(stored, factor, 2), factor, 1)
    ds.Rows, ds.Columns = finer.shape[1:]
    ds.PixelSpacing = [float(v) / factor for v in ds.PixelSpacing]
    ds.PixelData = np.rint(finer).astype(dtype).tobytes()
    write_file(ds, out)
    return {"shape": list(finer.shape), "voxels": int(finer.size)}


def measure(dose_path: str, rtss_path: str) -> dict:
    from coverage_sdk import _kernels
    from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct
    from coverage_sdk.dose.dvh import compute_dvh

    start = time.perf_counter()
    dose, structures = read_rtdose(dose_path), read_rtstruct(rtss_path)
    dvhs = {name: compute_dvh(dose, s) for name, s in structures.items() if not s.is_empty}
    return {
        "tool": f"coverage_sdk ({_kernels.extension_status()})",
        "seconds": time.perf_counter() - start,
        "voxels": int(dose.dose.size),
        "dose_bytes": int(dose.dose.nbytes),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "volume_cc": {name: d.volume_cc for name, d in dvhs.items()},
    }


if __name__ == "__main__":
    if sys.argv[1] == "write":
        print(json.dumps(write(sys.argv[2], int(sys.argv[3]), sys.argv[4])))
    else:
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
