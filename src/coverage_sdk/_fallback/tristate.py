"""Twin of ext/_tristate.pyx: Kleene combinators over 1 (met), 0 (not met), -1 (unknown)."""

from __future__ import annotations

import numpy as np


def all_of(results: np.ndarray) -> int:
    if np.any(results == 0):
        return 0
    return -1 if np.any(results < 0) else 1


def any_of(results: np.ndarray) -> int:
    if np.any(results == 1):
        return 1
    return -1 if np.any(results < 0) else 0


def not_(result: int) -> int:
    return result if result < 0 else 1 - result
