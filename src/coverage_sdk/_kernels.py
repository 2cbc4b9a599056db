"""Chooses between the compiled kernels (``coverage_sdk._name``) and their numpy twins.

The twins in ``coverage_sdk._fallback`` are used when ``COVERAGE_SDK_PUREPYTHON=1``, and when the
extension was not built (no compiler at install time): then with a one-line ``RuntimeWarning``,
once per process, or an ``ImportError`` where ``COVERAGE_SDK_REQUIRE_COMPILED=1``. Every kernel
module has a twin.
"""

from __future__ import annotations

import importlib
import os
import warnings
from types import ModuleType

KERNELS = ("_tristate", "_raster", "_dvh", "_circumference", "_dsparse", "_pixels")


def pure_python_requested() -> bool:
    return os.environ.get("COVERAGE_SDK_PUREPYTHON", "") not in ("", "0")


def compiled_required() -> bool:
    return os.environ.get("COVERAGE_SDK_REQUIRE_COMPILED", "") not in ("", "0")


_warned = False


def _fall_back(name: str, error: ImportError) -> None:
    global _warned
    missing = isinstance(error, ModuleNotFoundError) and error.name == f"coverage_sdk.{name}"
    problem = f"coverage_sdk.{name} is not compiled{'' if missing else f' ({error})'}"
    remedy = "install a wheel, or install with a C compiler"
    if compiled_required():
        raise ImportError(f"{problem} and COVERAGE_SDK_REQUIRE_COMPILED is set: {remedy}") from error
    if not _warned:
        _warned = True
        message = (
            f"{problem}: the numpy twins are used, about 100x slower; {remedy}"
            " (COVERAGE_SDK_REQUIRE_COMPILED=1 makes this an error)"
        )
        # filename "coverage_sdk" without a line number: the warning prints as one line
        warnings.warn_explicit(message, RuntimeWarning, "coverage_sdk", 0)


def _load(name: str) -> tuple[ModuleType, bool]:
    if not pure_python_requested():
        try:
            return importlib.import_module(f"coverage_sdk.{name}"), True
        except ImportError as error:
            _fall_back(name, error)
    return importlib.import_module(f"coverage_sdk._fallback.{name[1:]}"), False


def kernel(name: str) -> ModuleType:
    """The module implementing kernel ``name`` (e.g. ``"_raster"``), compiled if possible."""
    return _load(name)[0]


def extension_status() -> str:
    """``compiled`` when every kernel is the compiled one, else ``pure-python``."""
    return "compiled" if all(_load(name)[1] for name in KERNELS) else "pure-python"
