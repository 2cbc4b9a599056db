"""The Kleene combinators of criteria against their truth tables."""

from __future__ import annotations

import itertools

import pytest

from coverage_sdk.policy import logic
from coverage_sdk.policy.model import Result

M, N, U = Result.MET, Result.NOT_MET, Result.UNKNOWN
RANK = {N: 0, U: 1, M: 2}


def test_truth_tables():
    assert logic.all_of([M, M]) is M and logic.all_of([M, U]) is U and logic.all_of([U, N]) is N
    assert logic.any_of([N, N]) is N and logic.any_of([N, U]) is U and logic.any_of([U, M]) is M
    assert [logic.not_(r) for r in (M, N, U)] == [N, M, U]
    assert logic.all_of([]) is M and logic.any_of([]) is N


@pytest.mark.parametrize("n", range(1, 5))
def test_all_is_the_minimum_and_any_the_maximum(n):
    for combo in itertools.product((M, N, U), repeat=n):
        assert logic.all_of(combo) is min(combo, key=RANK.get)
        assert logic.any_of(combo) is max(combo, key=RANK.get)


def test_rejects_non_results():
    with pytest.raises(TypeError):
        logic.all_of(["met"])
    with pytest.raises(TypeError):
        logic.not_("met")
