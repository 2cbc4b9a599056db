"""The compiled kernels that tests compare with their numpy twins."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def compiled_kernel(name: str) -> ModuleType:
    """``coverage_sdk.<name>``, the compiled kernel. Every tox environment builds it (and sets
    COVERAGE_SDK_EXPECT_EXTENSION), so there a missing module fails the test; only an install
    without a compiler, which has nothing compiled to compare, skips it."""
    try:
        return importlib.import_module(f"coverage_sdk.{name}")
    except ImportError:
        if os.environ.get("COVERAGE_SDK_EXPECT_EXTENSION"):
            raise
        pytest.skip(f"coverage_sdk.{name} was not built (an install without a compiler): nothing to compare")
