"""The compiled core is what the environment expects (tox sets COVERAGE_SDK_EXPECT_EXTENSION)."""

from __future__ import annotations

import os

import pytest

from coverage_sdk import _kernels


def test_extension_status_is_what_this_environment_expects():
    expected = os.environ.get("COVERAGE_SDK_EXPECT_EXTENSION")
    if expected is None:
        pytest.skip("nothing expected: COVERAGE_SDK_EXPECT_EXTENSION is unset (the tox environments set it)")
    assert _kernels.extension_status() == expected
    module = _kernels.kernel("_dvh")
    assert module.__name__ == ("coverage_sdk._dvh" if expected == "compiled" else "coverage_sdk._fallback.dvh")
