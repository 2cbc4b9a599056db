"""Chooses between the compiled kernels (``coverage_sdk._name``) and their numpy twins.

The twins in ``coverage_sdk._fallback`` are used when the extension was not built or when
``COVERAGE_SDK_PUREPYTHON=1``; every kernel module has one.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

KERNELS = ("_raster", "_dvh", "_circumference", "_dsparse", "_pixels")


def pure_python_requested() -> bool:
    return os.environ.get("COVERAGE_SDK_PUREPYTHON", "") not in ("", "0")


def _load(name: str) -> tuple[ModuleType, bool]:
    if not pure_python_requested():
        try:
            return importlib.import_module(f"coverage_sdk.{name}"), True
        except ImportError:
            pass
    return importlib.import_module(f"coverage_sdk._fallback.{name[1:]}"), False


def kernel(name: str) -> ModuleType:
    """The module implementing kernel ``name`` (e.g. ``"_raster"``), compiled if possible."""
    return _load(name)[0]


def extension_status() -> str:
    """``compiled`` when every kernel is the compiled one, else ``pure-python``."""
    return "compiled" if all(_load(name)[1] for name in KERNELS) else "pure-python"
