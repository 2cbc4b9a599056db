"""ext/_circumference.pyx, compiled (checked against the build by stubtest in tox -e wheel)."""

from typing import Any

import numpy as np
from numpy.typing import NDArray

def cortex_points(contour: NDArray[np.float64], depth: float, samples: int) -> NDArray[np.float64]: ...
def plane_fractions(
    points: NDArray[np.float64], offsets: NDArray[np.int64], plane_start: NDArray[np.int64],
    plane_z: NDArray[np.float64], dose: NDArray[np.floating[Any]], x: NDArray[np.float64], y: NDArray[np.float64],
    z: NDArray[np.float64], threshold: float, depth: float, samples: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]: ...
