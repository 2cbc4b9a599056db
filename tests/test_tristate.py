"""The Kleene combinators: compiled kernel, numpy twin and the truth tables agree."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from compiled import compiled_kernel

from coverage_sdk import _kernels, tristate
from coverage_sdk._fallback import tristate as twin
from coverage_sdk.model import Result

M, N, U = Result.MET, Result.NOT_MET, Result.UNKNOWN


def test_truth_tables():
    assert tristate.all_of([M, M]) is M and tristate.all_of([M, U]) is U and tristate.all_of([U, N]) is N
    assert tristate.any_of([N, N]) is N and tristate.any_of([N, U]) is U and tristate.any_of([U, M]) is M
    assert [tristate.not_(r) for r in (M, N, U)] == [N, M, U]
    assert tristate.all_of([]) is M and tristate.any_of([]) is N


def test_rejects_non_results():
    with pytest.raises(TypeError):
        tristate.all_of(["met"])


@pytest.mark.parametrize("n", range(0, 5))
def test_kernel_matches_twin_on_every_combination(n):
    compiled = compiled_kernel("_tristate")
    for combo in itertools.product((1, 0, -1), repeat=n):
        values = np.array(combo, dtype=np.int8)
        assert compiled.all_of(values) == twin.all_of(values)
        assert compiled.any_of(values) == twin.any_of(values)
    for value in (1, 0, -1):
        assert compiled.not_(value) == twin.not_(value)


def test_extension_status_is_what_this_environment_expects():
    expected = os.environ.get("COVERAGE_SDK_EXPECT_EXTENSION")
    if expected is None:
        pytest.skip("nothing expected: COVERAGE_SDK_EXPECT_EXTENSION is unset (the tox environments set it)")
    assert _kernels.extension_status() == expected
    module = _kernels.kernel("_tristate")
    assert module.__name__ == ("coverage_sdk._tristate" if expected == "compiled" else "coverage_sdk._fallback.tristate")
