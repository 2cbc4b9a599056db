"""Kleene three-valued logic for criteria: met, not met, unknown (unknown is not false).

``all_of`` is not met as soon as one part is not met, met when every part is met, and
unknown otherwise; ``any_of`` is its dual; ``not_`` swaps met and not met. ``all_known`` and
``any_known`` are the same for a list the caller knows holds only Results (the criteria
evaluator's own).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from coverage_sdk.policy.model import Result

NOT = {Result.MET: Result.NOT_MET, Result.NOT_MET: Result.MET, Result.UNKNOWN: Result.UNKNOWN}


def all_of(results: Iterable[Result]) -> Result:
    return all_known(list(_checked(results)))


def any_of(results: Iterable[Result]) -> Result:
    return any_known(list(_checked(results)))


def not_(result: Result) -> Result:
    return NOT[next(_checked([result]))]


def all_known(results: Sequence[Result]) -> Result:
    if Result.NOT_MET in results:
        return Result.NOT_MET
    return Result.UNKNOWN if Result.UNKNOWN in results else Result.MET


def any_known(results: Sequence[Result]) -> Result:
    if Result.MET in results:
        return Result.MET
    return Result.UNKNOWN if Result.UNKNOWN in results else Result.NOT_MET


def _checked(results: Iterable[Result]) -> Iterator[Result]:
    for result in results:
        if not isinstance(result, Result):
            raise TypeError(f"expected Result values, got {result!r}")
        yield result
