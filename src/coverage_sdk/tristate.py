"""Kleene three-valued logic for criteria: met, not met, unknown (unknown is not false).

``all_of`` is not met as soon as one part is not met, met when every part is met, and
unknown otherwise; ``any_of`` is its dual; ``not_`` swaps met and not met.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._kernels import kernel
from .model import Result

_CODE = {Result.MET: 1, Result.NOT_MET: 0, Result.UNKNOWN: -1}
_RESULT = {code: result for result, code in _CODE.items()}


def _codes(results: Sequence[Result]) -> np.ndarray:
    try:
        return np.fromiter((_CODE[r] for r in results), dtype=np.int8, count=len(results))
    except KeyError as exc:
        raise TypeError(f"expected Result values, got {exc.args[0]!r}") from None


def all_of(results: Sequence[Result]) -> Result:
    return _RESULT[int(kernel("_tristate").all_of(_codes(results)))]


def any_of(results: Sequence[Result]) -> Result:
    return _RESULT[int(kernel("_tristate").any_of(_codes(results)))]


def not_(result: Result) -> Result:
    return _RESULT[int(kernel("_tristate").not_(_codes([result])[0]))]
