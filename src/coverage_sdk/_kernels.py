"""Chooses between the compiled kernels (``coverage_sdk._name``) and their numpy twins, and
how many threads the compiled ones use.

The twins in ``coverage_sdk._fallback`` are used when ``COVERAGE_SDK_PUREPYTHON=1``, and when the
extension was not built (no compiler at install time): then with a one-line ``RuntimeWarning``,
once per process, or a :class:`~coverage_sdk.errors.MissingExtensionError` (an ``ImportError``)
where ``COVERAGE_SDK_REQUIRE_COMPILED=1``. Every kernel
module has a twin.

The compiled kernels' OpenMP threads wait passively (``OMP_WAIT_POLICY=passive``, set before
the first kernel loads unless the host set it): a spinning thread that waits for work holds a
core that another process wants, and on a shared machine that made the SDK 10-20x slower.
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import warnings
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

if TYPE_CHECKING:  # numpy is imported by the first kernel, not by `coverage-sdk --version`
    import numpy as np
    from numpy.typing import NDArray

    Floats = NDArray[np.float64]
    Ints = NDArray[np.int64]
    Dose = NDArray[np.floating[Any]]

from coverage_sdk.errors import MissingExtensionError

KERNELS = ("_raster", "_dvh", "_circumference", "_dsparse", "_pixels", "_stack")


class RasterKernel(Protocol):
    """``ext/_raster.pyx`` and its twin ``_fallback/raster.py``."""

    def rasterize(
        self, points: Floats, offsets: Ints, plane_offsets: Ints, xb0: float, dx: float, yb0: float, dy: float,
        S: int, threads: int,
    ) -> tuple[Ints, Ints, NDArray[np.uint64]]: ...  # fmt: skip


class DvhKernel(Protocol):
    """``ext/_dvh.pyx`` and its twin ``_fallback/dvh.py``."""

    def accumulate(
        self, dose: Dose, x: Floats, y: Floats, z: Floats, runs: Ints, cells: Ints, masks: NDArray[np.uint64],
        S: int, n_inner: int, xb0: float, dx: float, yb0: float, dy: float, lo: Floats, hi: Floats,
        h: float, n_edges: int, threads: int,
    ) -> tuple[Floats, Floats]: ...  # fmt: skip


class CircumferenceKernel(Protocol):
    """``ext/_circumference.pyx`` and its twin ``_fallback/circumference.py``."""

    def cortex_points(self, contour: Floats, depth: float, samples: int) -> Floats: ...

    def plane_fractions(
        self, points: Floats, offsets: Ints, plane_start: Ints, plane_z: Floats,
        dose: Dose, x: Floats, y: Floats, z: Floats, threshold: float, depth: float, samples: int,
    ) -> tuple[Ints, Ints, Ints, Ints]: ...  # fmt: skip


class DsparseKernel(Protocol):
    """``ext/_dsparse.pyx`` and its twin ``_fallback/dsparse.py``."""

    def parse_spans(self, buf: bytes, starts: Ints, stops: Ints, num_threads: int = 1) -> tuple[Floats, Ints]: ...

    def parse_contours(self, buf: bytes, starts: Ints, stops: Ints, num_threads: int = 1) -> tuple[Floats, Ints, Floats, bool]: ...

    def sequence_items(
        self, buf: bytes, starts: Ints, stops: Ints, implicit: bool, tags: NDArray[np.uint32], max_depth: int
    ) -> tuple[Ints, Ints]: ...


class PixelsKernel(Protocol):
    """``ext/_pixels.pyx`` and its twin ``_fallback/pixels.py``."""

    def scale(self, stored: NDArray[np.integer[Any]], factor: float, out: Dose, num_threads: int = 1) -> None: ...


class StackKernel(Protocol):
    """``ext/_stack.pyx`` and its twin ``_fallback/stack.py``."""

    def interpolate(
        self, points: Floats, offsets: Ints, plane_offsets: Ints, plane_z: Floats, lo: Floats, hi: Floats,
        max_subslabs: int, end_subslabs: int, volume_tolerance: float, gap_tolerance: float,
        flat_tolerance: float, max_growth: float, zero: float,
    ) -> tuple[Floats, Ints, Ints, Floats, Floats] | None: ...  # fmt: skip


def pure_python_requested() -> bool:
    return os.environ.get("COVERAGE_SDK_PUREPYTHON", "") not in ("", "0")


def compiled_required() -> bool:
    return os.environ.get("COVERAGE_SDK_REQUIRE_COMPILED", "") not in ("", "0")


THREADS_VARIABLE = "COVERAGE_SDK_THREADS"


@functools.lru_cache(maxsize=4)
def cgroup_cpus(root: Path = Path("/")) -> float | None:
    """The CPU quota of this process's cgroup in CPUs (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``),
    or None without one; ``root`` is the file system root the paths are read under. Read once
    per root and process (it costs a tenth of a millisecond, and every kernel call asks)."""
    try:
        lines = (root / "proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        files: list[tuple[Path, Path | None]]
        if controllers == "":
            files = [(root / "sys/fs/cgroup" / path.lstrip("/") / "cpu.max", None)]
        elif "cpu" in controllers.split(","):
            folder = root / "sys/fs/cgroup" / controllers / path.lstrip("/")
            files = [(folder / "cpu.cfs_quota_us", folder / "cpu.cfs_period_us")]
        else:
            continue
        for quota_file, period_file in files:
            try:
                if period_file is None:
                    quota, period = quota_file.read_text().split()[:2]
                else:
                    quota, period = quota_file.read_text().strip(), period_file.read_text().strip()
            except (OSError, ValueError):
                continue
            if quota not in ("max", "-1") and int(period) > 0:
                return int(quota) / int(period)
    return None


def available_cpus() -> int:
    """The CPUs this process may use: its affinity mask, capped by its cgroup's CPU quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    quota = cgroup_cpus()
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


def default_threads() -> int:
    """``COVERAGE_SDK_THREADS`` when set (an integer from 1 to 256), else :func:`available_cpus`."""
    text = os.environ.get(THREADS_VARIABLE, "").strip()
    if not text:
        return available_cpus()
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 256:
        raise ValueError(f"{THREADS_VARIABLE}={text!r}: expected an integer from 1 to 256")
    return value


_warned = False


def _fall_back(name: str, error: ImportError) -> None:
    global _warned
    missing = isinstance(error, ModuleNotFoundError) and error.name == f"coverage_sdk.{name}"
    problem = f"coverage_sdk.{name} is not compiled{'' if missing else f' ({error})'}"
    remedy = "install a wheel, or install with a C compiler"
    if compiled_required():
        raise MissingExtensionError(f"{problem} and COVERAGE_SDK_REQUIRE_COMPILED is set: {remedy}") from error
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
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        try:
            return importlib.import_module(f"coverage_sdk.{name}"), True
        except ImportError as error:
            _fall_back(name, error)
    return importlib.import_module(f"coverage_sdk._fallback.{name[1:]}"), False


if TYPE_CHECKING:  # the numpy twins and the compiled kernels (their stubs) implement the protocols
    from coverage_sdk import _circumference, _dsparse, _dvh, _pixels, _raster, _stack
    from coverage_sdk._fallback import circumference, dsparse, dvh, pixels, raster, stack

    Kernels = tuple[RasterKernel, DvhKernel, CircumferenceKernel, DsparseKernel, PixelsKernel, StackKernel]
    _twins: Kernels = (raster, dvh, circumference, dsparse, pixels, stack)
    _compiled: Kernels = (_raster, _dvh, _circumference, _dsparse, _pixels, _stack)


@overload
def kernel(name: Literal["_raster"]) -> RasterKernel: ...
@overload
def kernel(name: Literal["_dvh"]) -> DvhKernel: ...
@overload
def kernel(name: Literal["_circumference"]) -> CircumferenceKernel: ...
@overload
def kernel(name: Literal["_dsparse"]) -> DsparseKernel: ...
@overload
def kernel(name: Literal["_pixels"]) -> PixelsKernel: ...
@overload
def kernel(name: Literal["_stack"]) -> StackKernel: ...


def kernel(name: str) -> Any:
    """The module implementing kernel ``name`` (e.g. ``"_raster"``), compiled if possible."""
    return _load(name)[0]


def extension_status() -> str:
    """``compiled`` when every kernel is the compiled one, else ``pure-python``."""
    return "compiled" if all(_load(name)[1] for name in KERNELS) else "pure-python"
