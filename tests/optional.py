"""Optional parts that some tests need: an extra (matplotlib, dask) or a policy plugin."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def optional(module: str, install: str) -> ModuleType:
    """``module`` imported. Every tox environment installs the test extra and every in-repo plugin
    (and sets COVERAGE_SDK_EXPECT_EXTENSION), so there a missing module fails the test; a host
    running the shipped tests without it gets a skip that says what to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if os.environ.get("COVERAGE_SDK_EXPECT_EXTENSION"):
            raise
        pytest.skip(f"needs {module}: {install}")
