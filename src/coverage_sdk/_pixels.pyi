"""ext/_pixels.pyx, compiled (checked against the build by stubtest in tox -e wheel)."""

from typing import Any

import numpy as np
from numpy.typing import NDArray

def scale(
    stored: NDArray[np.integer[Any]], factor: float, out: NDArray[np.floating[Any]], num_threads: int = 1
) -> None: ...
