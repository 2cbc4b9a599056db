"""Kleene three-valued logic for criteria: met, not met, unknown (unknown is not false).

``all_of`` is not met as soon as one part is not met, met when every part is met, and
unknown otherwise; ``any_of`` is its dual; ``not_`` swaps met and not met.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from coverage_sdk.policy.model import Result

_NOT = {Result.MET: Result.NOT_MET, Result.NOT_MET: Result.MET, Result.UNKNOWN: Result.UNKNOWN}


def all_of(results: Iterable[Result]) -> Result:
    values = set(_checked(results))
    if Result.NOT_MET in values:
        return Result.NOT_MET
    return Result.UNKNOWN if Result.UNKNOWN in values else Result.MET


def any_of(results: Iterable[Result]) -> Result:
    return not_(all_of(not_(r) for r in results))


def not_(result: Result) -> Result:
    return _NOT[next(_checked([result]))]


def _checked(results: Iterable[Result]) -> Iterator[Result]:
    for result in results:
        if not isinstance(result, Result):
            raise TypeError(f"expected Result values, got {result!r}")
        yield result
