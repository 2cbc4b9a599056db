"""ext/_stack.pyx, compiled (checked against the build by stubtest in tox -e wheel)."""

import numpy as np
from numpy.typing import NDArray

def interpolate(
    points: NDArray[np.float64], offsets: NDArray[np.int64], plane_offsets: NDArray[np.int64],
    plane_z: NDArray[np.float64], lo: NDArray[np.float64], hi: NDArray[np.float64],
    max_subslabs: int, end_subslabs: int, volume_tolerance: float, gap_tolerance: float,
    flat_tolerance: float, max_growth: float, zero: float,
) -> tuple[
    NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]
] | None: ...
