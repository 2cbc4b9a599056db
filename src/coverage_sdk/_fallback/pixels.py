"""Twin of ext/_pixels.pyx: stored RT Dose pixel values scaled to dose with numpy."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def scale(
    stored: NDArray[np.integer[Any]], factor: float, out: NDArray[np.floating[Any]], num_threads: int = 1
) -> None:
    """Fill ``out`` with ``stored * factor``."""
    np.multiply(stored, factor, out=out)
