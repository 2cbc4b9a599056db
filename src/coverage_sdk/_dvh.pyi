"""ext/_dvh.pyx, compiled (checked against the build by stubtest in tox -e wheel)."""

from typing import Any

import numpy as np
from numpy.typing import NDArray

def accumulate(
    dose: NDArray[np.floating[Any]], x: NDArray[np.float64], y: NDArray[np.float64], z: NDArray[np.float64],
    runs: NDArray[np.int64], cells: NDArray[np.int64], masks: NDArray[np.uint64], S: int, n_inner: int,
    xb0: float, dx: float, yb0: float, dy: float,
    node_offsets: NDArray[np.int64], node_pos: NDArray[np.float64], node_zeval: NDArray[np.float64],
    node_k: NDArray[np.int64], node_f: NDArray[np.float64], node_keep: NDArray[np.uint8],
    plane_slab: NDArray[np.float64], plane_outside: NDArray[np.float64],
    row_order: NDArray[np.int64], row_groups: NDArray[np.int64], h: float, n_edges: int, threads: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]: ...
