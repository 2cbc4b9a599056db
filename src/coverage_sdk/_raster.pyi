"""ext/_raster.pyx, compiled (checked against the build by stubtest in tox -e wheel)."""

import numpy as np
from numpy.typing import NDArray

def rasterize(
    points: NDArray[np.float64], offsets: NDArray[np.int64], plane_offsets: NDArray[np.int64],
    xb0: float, dx: float, yb0: float, dy: float, S: int, threads: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.uint64]]: ...
