"""ext/_dvh.pyx, compiled (checked against the build by stubtest in tox -e wheel)."""

from typing import Any

import numpy as np
from numpy.typing import NDArray

def accumulate(
    dose: NDArray[np.floating[Any]], x: NDArray[np.float64], y: NDArray[np.float64], z: NDArray[np.float64],
    runs: NDArray[np.int64], cells: NDArray[np.int64], masks: NDArray[np.uint64], S: int, n_inner: int,
    xb0: float, dx: float, yb0: float, dy: float, lo: NDArray[np.float64], hi: NDArray[np.float64],
    h: float, n_edges: int, threads: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
