"""Twin of ext/_pixels.pyx: stored RT Dose pixel values scaled to dose with numpy."""

from __future__ import annotations

import numpy as np


def scale(stored: np.ndarray, factor: float, out: np.ndarray, num_threads: int = 1) -> tuple[float, float]:
    """Fill ``out`` with ``stored * factor``; return ``(min, max)`` of ``out``."""
    np.multiply(stored, factor, out=out)
    return float(out.min()), float(out.max())
