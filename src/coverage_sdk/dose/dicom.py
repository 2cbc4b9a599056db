"""Reads DICOM RT Dose and RT Structure Set files into :class:`DoseGrid` and :class:`Structure`.

Geometry follows DICOM PS3.3: C.7.6.2 (Image Plane), C.8.8.3 (RT Dose, Grid Frame Offset
Vector), C.8.8.4 (RT DVH) and C.8.8.6 (ROI Contour). Decimal strings (contour points, DVH
data, frame offsets) are parsed in bulk from the element bytes by the ``_dsparse`` kernel,
which also walks the structure set's encoded sequences, and the pixel data is mapped as one
buffer, so reading costs a few milliseconds. Every defect
of the input is an :class:`~coverage_sdk.errors.InputError` naming the file and the tag;
nothing here ever reports patient data.
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, cast, overload

import attrs
import numpy as np
import pydicom
from numpy.typing import NDArray
from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import RawDataElement, convert_raw_data_element
from pydicom.errors import InvalidDicomError
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag

from coverage_sdk._kernels import default_threads, kernel
from coverage_sdk.errors import InputError
from coverage_sdk.dose.geometry import MAX_GRID_CELLS, DoseGrid, Handed, Structure
from coverage_sdk.dose.inputs import DicomInput, DicomSource, dicom_input

__all__ = ["ReferenceDVH", "StructureSet", "read_rtdose", "read_rtstruct"]

RT_DOSE_STORAGE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
NATIVE_SYNTAXES = ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2")
DEFLATED = "1.2.840.10008.1.2.1.99"

PIXEL_DATA = 0x7FE00010
GRID_FRAME_OFFSET_VECTOR = 0x3004000C
DOSE_GRID_SCALING = 0x3004000E
IMAGE_POSITION = 0x00200032
IMAGE_ORIENTATION = 0x00200037
PIXEL_SPACING = 0x00280030
DVH_DATA = 0x30040058
DVH_DOSE_SCALING = 0x30040052
DVH_MINIMUM, DVH_MAXIMUM, DVH_MEAN = 0x30040070, 0x30040072, 0x30040074
ROI_CONTOUR_SEQUENCE = 0x30060039
CONTOUR_SEQUENCE = 0x30060040
CONTOUR_TYPE = 0x30060042
CONTOUR_DATA = 0x30060050
ROI_DISPLAY_COLOR = 0x3006002A
REFERENCED_ROI_NUMBER = 0x30060084

DEFER_SIZE = 1 << 20
READ_THREADS = 4
SCALE_CHUNK_BYTES = 8 << 20
AXIS_TOLERANCE = 1e-4
PLANE_TOLERANCE_MM = 0.01
DOSE_UNITS_GY = {"GY": 1.0, "CGY": 0.01}
STORED_DTYPES = frozenset(np.dtype(code) for code in ("u2", "i2", "u4", "i4"))
MAX_INFLATED_BYTES = 256 << 20
MAX_PLAUSIBLE_DOSE_GY = 10_000.0
MAX_ROI_NUMBER = 2**31 - 1
MAX_SEQUENCE_DEPTH = 16
MAX_CONTOUR_BYTES = 128 << 20
MAX_CONTOURS_PER_FILE = 200_000


def _where(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {keyword_for_tag(tag)}"


def _fail(source: str, tag: int | None, message: str) -> InputError:
    return InputError(message, source=source, location=_where(tag) if tag is not None else None)


# --- decimal strings -------------------------------------------------------------------


def _checked_spans(buf: bytes, starts: NDArray[np.int64], stops: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``starts`` and ``stops`` as int64, refused unless they are spans inside ``buf``."""
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    stops = np.ascontiguousarray(stops, dtype=np.int64)
    if starts.shape != stops.shape or starts.ndim != 1:
        raise InputError("span bounds must be two 1-d arrays of one length")
    if starts.size and (starts.min() < 0 or stops.max() > len(buf) or np.any(stops < starts)):
        raise InputError("spans must lie inside the buffer")
    return starts, stops


def _parse_contours(
    buf: bytes, starts: NDArray[np.int64], stops: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64], bool]:
    """Contour Data spans parsed as x, y, z triplets (``_dsparse.parse_contours``): (x, y) of
    every triplet, the count of numbers, the first, lowest and highest z of each span, and
    whether all are finite; raises ``ValueError(s)`` on a malformed span."""
    starts, stops = _checked_spans(buf, starts, stops)
    return kernel("_dsparse").parse_contours(buf, starts, stops, min(READ_THREADS, default_threads()))


@overload
def _numbers(
    ds: pydicom.Dataset, tag: int, source: str, count: int | None = None, required: Literal[True] = True
) -> NDArray[np.float64]: ...
@overload
def _numbers(
    ds: pydicom.Dataset, tag: int, source: str, count: int | None = None, *, required: bool
) -> NDArray[np.float64] | None: ...


def _numbers(
    ds: pydicom.Dataset, tag: int, source: str, count: int | None = None, required: bool = True
) -> NDArray[np.float64] | None:
    """The DS values of ``tag`` as float64, parsed from the raw element bytes."""
    element = ds.get_item(tag)
    value = None if element is None else element.value
    if value is None or (isinstance(value, bytes) and not value.strip()):
        if required:
            raise _fail(source, tag, "is missing or empty")
        return None
    if isinstance(value, bytes):
        try:
            numbers, _ = kernel("_dsparse").parse_spans(value, np.zeros(1, np.int64), np.array([len(value)], np.int64))
        except ValueError:
            raise _fail(source, tag, "expected decimal numbers separated by backslashes") from None
    else:
        try:
            numbers = np.atleast_1d(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            raise _fail(source, tag, "expected decimal numbers") from None
    if count is not None and numbers.size != count:
        raise _fail(source, tag, f"expected {count} values, found {numbers.size}")
    if not np.all(np.isfinite(numbers)):
        raise _fail(source, tag, "expected finite numbers")
    return numbers


def _plain(value: object) -> str:
    """A text value as the readers compare it: stripped, upper case, "" for none."""
    return str(value or "").strip().upper()


def _text(ds: pydicom.Dataset, keyword: str) -> str:
    return _plain(ds.get(keyword, ""))


# --- opening ---------------------------------------------------------------------------


def _transfer_syntax(given: DicomInput) -> tuple[str, int] | None:
    """The Transfer Syntax UID of a Part 10 file and where its data set starts, read from the
    File Meta Information alone; None where the file has none (pydicom then judges it)."""
    with given.open() as file:
        head = file.read(144)
        if len(head) < 144 or head[128:132] != b"DICM" or head[132:136] != b"\x02\x00\x00\x00" or head[136:138] != b"UL":
            return None
        length = _U32.unpack_from(head, 140)[0]
        meta = file.read(min(length, 1 << 16))
    at = 0
    while at + 8 <= len(meta):
        group, element = struct.unpack_from("<HH", meta, at)
        if meta[at + 4 : at + 6] in _LONG_VRS:
            size, start = _U32.unpack_from(meta, at + 8)[0] if at + 12 <= len(meta) else 0, at + 12
        else:
            size, start = _U16.unpack_from(meta, at + 6)[0], at + 8
        if (group, element) == (0x0002, 0x0010):
            return meta[start : start + size].rstrip(b"\x00 ").decode("ascii", "replace"), 144 + length
        at = start + size
    return None


def _check_inflated_size(given: DicomInput, start: int) -> None:
    """A deflated data set must inflate to at most MAX_INFLATED_BYTES; checked in bounded
    chunks before pydicom inflates it whole."""
    source = given.source
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    try:
        with given.open() as file:
            file.seek(start)
            pending = b""
            while not inflater.eof:
                pending = pending or file.read(1 << 20)
                inflated = len(inflater.decompress(pending, 1 << 20))
                total += inflated
                if total > MAX_INFLATED_BYTES:
                    raise _fail(source, 0x00020010, f"the deflated data set inflates to more than {MAX_INFLATED_BYTES >> 20} MiB")
                if not pending and not inflated:
                    break
                pending = inflater.unconsumed_tail
    except zlib.error:
        raise _fail(source, 0x00020010, "the deflated data set is not valid deflate data") from None


def _open(
    given: DicomInput, sop_class: str, modality: str, defer_size: int | None = None
) -> tuple[pydicom.Dataset, str]:
    source = given.source
    syntax = _transfer_syntax(given)
    deflated = False
    if syntax is not None and syntax[0] == DEFLATED:
        deflated = True
        _check_inflated_size(given, syntax[1])
        defer_size = None
    try:
        ds = pydicom.dcmread(given.path if given.path is not None else given.open(), defer_size=defer_size)
    except InvalidDicomError as exc:
        raise InputError(f"not a DICOM file: {exc}", source=source) from None
    except RecursionError:
        raise InputError("unreadable DICOM file: sequences nested too deeply", source=source) from None
    except Exception as exc:  # pydicom's parser on untrusted bytes
        raise InputError(f"unreadable DICOM file ({type(exc).__name__})", source=source) from None
    if ds.keys() and not deflated:
        # keys() is the dict's keys view, in file order (pydicom's annotation: an AbstractSet)
        last = ds.get_item(next(reversed(ds.keys())), keep_deferred=True)  # type: ignore[call-overload]
        if isinstance(last, pydicom.dataelem.RawDataElement) and last.length != 0xFFFFFFFF and (
            len(last.value) < last.length if last.value is not None
            else last.value_tell + last.length > given.size
        ):
            raise _fail(source, int(last.tag), f"file truncated: the value should be {last.length} bytes long")
    found = str(ds.get("SOPClassUID", "") or "")
    if found != sop_class and _text(ds, "Modality") != modality:
        name = pydicom.uid.UID(found).name if found else "no SOP class"
        expected = pydicom.uid.UID(sop_class).name
        raise _fail(source, 0x00080016, f"expected {expected} ({modality}), found {name}")
    return ds, source


# --- RT Dose ---------------------------------------------------------------------------


@attrs.frozen(eq=False)
class ReferenceDVH:
    """A DVH the planning system stored in the RT Dose (DVH Sequence, PS3.3 C.8.8.4).

    DVH Data holds pairs (bin width, volume); the widths times DVH Dose Scaling are Gy (or cGy,
    converted), so bin ``n`` spans ``edges[n]..edges[n+1]`` from 0. A cumulative DVH stores
    for each bin the volume receiving at least its lower edge, a differential one the volume
    inside it; ``cumulative[i]`` is the volume receiving at least ``edges[i]`` either way, in
    ``volume_units`` (``CM3``, ``PERCENT``, ``PER_U``). The stored minimum, mean and maximum
    are kept as the file gives them (some planning systems write them in percent of the
    prescription despite Dose Units GY); the curve's own values are ``mean`` and the methods.
    """

    roi_number: int
    dvh_type: str
    volume_units: str
    edges: NDArray[np.float64]
    cumulative: NDArray[np.float64]
    stored_min: float | None = None
    stored_mean: float | None = None
    stored_max: float | None = None

    @property
    def total_volume(self) -> float:
        return float(self.cumulative[0]) if self.cumulative.size else 0.0

    @property
    def volume_cc(self) -> float | None:
        return self.total_volume if self.volume_units == "CM3" else None

    @property
    def mean(self) -> float:
        """Mean dose (Gy), the volume of each bin spread evenly over it."""
        inside = -np.diff(self.cumulative)
        total = inside.sum()
        return float(inside @ (0.5 * (self.edges[:-1] + self.edges[1:])) / total) if total > 0 else 0.0

    def dose_at_volume(self, percent: float) -> float:
        """``Dxx``: the highest dose (Gy) received by at least ``percent`` % of the volume, interpolated."""
        total = self.total_volume
        if total <= 0:
            return 0.0
        target = total * percent / 100.0
        volume = self.cumulative
        i = int(np.searchsorted(-volume, -target, side="right")) - 1
        if i < 0:
            return float(self.edges[0])
        if i >= volume.size - 1:
            return float(self.edges[-1])
        drop = volume[i] - volume[i + 1]
        fraction = (volume[i] - target) / drop if drop > 0 else 0.0
        return float(self.edges[i] + fraction * (self.edges[i + 1] - self.edges[i]))

    def volume_at_dose(self, gy: float) -> float:
        """``Vxx Gy``: percent of the volume receiving at least ``gy``, interpolated."""
        total = self.total_volume
        return float(np.interp(gy, self.edges, self.cumulative, right=0.0) / total * 100.0) if total > 0 else 0.0


def _reference_dvh(item: pydicom.Dataset, source: str) -> ReferenceDVH | None:
    rois = item.get("DVHReferencedROISequence") or []
    units = _text(item, "DoseUnits")
    if len(rois) != 1 or units not in DOSE_UNITS_GY or "ReferencedROINumber" not in rois[0]:
        return None
    data = _numbers(item, DVH_DATA, source)
    if data.size % 2:
        raise _fail(source, DVH_DATA, f"expected (bin width, volume) pairs, found {data.size} values")
    scaling = _numbers(item, DVH_DOSE_SCALING, source, count=1, required=False)
    to_gy = DOSE_UNITS_GY[units]
    widths = data[0::2] * (scaling[0] if scaling is not None else 1.0) * to_gy
    if np.any(widths < 0):
        raise _fail(source, DVH_DATA, "expected non-negative dose bin widths")
    volumes = np.maximum(data[1::2], 0.0)
    dvh_type = _text(item, "DVHType")
    if dvh_type == "DIFFERENTIAL":
        cumulative = np.append(np.cumsum(volumes[::-1])[::-1], 0.0)
    else:
        cumulative = np.minimum.accumulate(np.append(volumes, 0.0))
    stored = [_numbers(item, tag, source, count=1, required=False) for tag in (DVH_MINIMUM, DVH_MEAN, DVH_MAXIMUM)]
    return ReferenceDVH(
        int(rois[0].ReferencedROINumber),
        dvh_type,
        _text(item, "DVHVolumeUnits"),
        np.concatenate([[0.0], np.cumsum(widths)]),
        cumulative,
        *(None if value is None else float(value[0]) * to_gy for value in stored),
    )


class _StoredDVHs(Mapping[int, ReferenceDVH]):
    """The single-ROI DVHs of an RT Dose's DVH Sequence by ROI number, decoded on first use."""

    def __init__(self, ds: pydicom.Dataset, source: str) -> None:
        self._ds: pydicom.Dataset | None = ds
        self._source = source
        self._dvhs: dict[int, ReferenceDVH] = {}

    def _decoded(self) -> dict[int, ReferenceDVH]:
        if self._ds is not None:
            try:
                items = [_reference_dvh(item, self._source) for item in (self._ds.get("DVHSequence") or [])]
            except InputError:
                raise
            except Exception as exc:  # pydicom's conversions of untrusted values
                raise _fail(self._source, 0x30040050, f"malformed DVH item ({type(exc).__name__})") from None
            self._dvhs = {dvh.roi_number: dvh for dvh in items if dvh is not None}
            self._ds = None
        return self._dvhs

    def __getitem__(self, number: int) -> ReferenceDVH:
        return self._decoded()[number]

    def __iter__(self) -> Iterator[int]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())


def _axis_of(cosines: NDArray[np.float64]) -> tuple[int, float] | None:
    axis = int(np.argmax(np.abs(cosines)))
    others = np.delete(cosines, axis)
    if axis == 2 or abs(abs(cosines[axis]) - 1.0) > AXIS_TOLERANCE or np.any(np.abs(others) > AXIS_TOLERANCE):
        return None
    return axis, float(np.sign(cosines[axis]))


Frames = Callable[[int, int], NDArray[np.integer[Any]]]


def _stored_frames(ds: pydicom.Dataset, given: DicomInput, shape: tuple[int, int, int]) -> Frames:
    """``frames(k0, k1)``: the stored pixel values of frames ``k0:k1`` as native integers; a
    deferred Pixel Data element is mapped from the file (or viewed in the input's bytes) for
    those frames only."""
    source = given.source
    bits = int(ds.get("BitsAllocated", 0) or 0)
    if bits not in (16, 32) or int(ds.get("BitsStored", bits) or bits) != bits:
        raise _fail(source, 0x00280100, f"expected 16 or 32 bits allocated and stored, found {bits}")
    if int(ds.get("SamplesPerPixel", 1) or 1) != 1:
        raise _fail(source, 0x00280002, "expected one sample per pixel")
    signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
    syntax = str(ds.file_meta.get("TransferSyntaxUID", "")) if hasattr(ds, "file_meta") else ""
    if syntax == DEFLATED:
        syntax = NATIVE_SYNTAXES[1]
    # as read from the file until its value is used (pydicom's overload says DataElement)
    element = cast(RawDataElement, ds.get_item(PIXEL_DATA, keep_deferred=True))
    count = shape[0] * shape[1] * shape[2]
    native = np.dtype(f"{'i' if signed else 'u'}{bits // 8}")
    if syntax not in NATIVE_SYNTAXES:
        try:
            decoded = np.asarray(ds.pixel_array).reshape(shape).astype(native, copy=False)
        except Exception as exc:  # pydicom's decoders on untrusted bytes
            raise _fail(source, PIXEL_DATA, f"cannot decode the pixel data ({type(exc).__name__})") from None
        return lambda k0, k1: decoded[k0:k1]
    dtype = native.newbyteorder(">" if syntax == NATIVE_SYNTAXES[2] else "<")
    expected = count * dtype.itemsize
    if element.length != expected:
        raise _fail(
            source, PIXEL_DATA,
            f"expected {expected} bytes for the {shape} pixels of Number of Frames, Rows and Columns, found {element.length}",
        )
    if element.value is not None and len(element.value) < expected:
        raise _fail(source, PIXEL_DATA, f"expected {expected} bytes, found {len(element.value)}")
    frame_bytes = shape[1] * shape[2] * dtype.itemsize

    def frames(k0: int, k1: int) -> NDArray[np.integer[Any]]:
        count = (k1 - k0) * shape[1] * shape[2]
        if element.value is not None:
            stored = np.frombuffer(element.value, dtype=dtype, count=count, offset=k0 * frame_bytes).reshape(k1 - k0, *shape[1:])
        elif given.path is not None:
            stored = np.memmap(given.path, dtype=dtype, mode="r", offset=element.value_tell + k0 * frame_bytes,
                               shape=(k1 - k0, *shape[1:]))
        else:
            held = given.data or b""
            stored = np.frombuffer(held, dtype=dtype, count=count, offset=element.value_tell + k0 * frame_bytes).reshape(k1 - k0, *shape[1:])
        return stored if dtype.isnative else stored.astype(native)

    return frames


def _dose(stored: NDArray[np.integer[Any]], factor: float, out: NDArray[np.float32] | None = None) -> NDArray[np.float32]:
    """``stored * factor`` into ``out`` (default: a new C-contiguous float32 array)."""
    if stored.ndim != 3 or stored.size == 0 or stored.dtype not in STORED_DTYPES:
        raise InputError(f"expected a non-empty 3-d array of 16 or 32-bit native integers, got {stored.dtype}{stored.shape}")
    if not (math.isfinite(factor) and factor > 0):
        raise InputError(f"expected a positive finite scaling, got {factor}")
    dose = np.empty(stored.shape, dtype=np.float32) if out is None else out
    kernel("_pixels").scale(stored, factor, dose, min(READ_THREADS, default_threads()))
    return dose


def _scaled(
    frames: Frames, shape: tuple[int, int, int], transpose: bool, flips: tuple[slice, ...], factor: float
) -> NDArray[np.float32]:
    """The dose float32 ``[z, y, x]`` with every axis increasing, scaled from the stored frames
    a few megabytes at a time (so the stored values are never all in memory at once)."""
    nz = shape[0]
    out_shape = (nz, shape[2], shape[1]) if transpose else shape
    dose = np.empty(out_shape, dtype=np.float32)
    step = max(1, SCALE_CHUNK_BYTES // (shape[1] * shape[2] * 4))
    for k0 in range(0, nz, step):
        k1 = min(nz, k0 + step)
        s0, s1 = (nz - k1, nz - k0) if flips[0].step == -1 else (k0, k1)
        stored = frames(s0, s1)
        if transpose:
            stored = stored.transpose(0, 2, 1)
        _dose(stored[flips], factor, dose[k0:k1])
        del stored
    return dose


def _plausible(low: float, high: float, source: str) -> None:
    """Refuse a dose grid whose range no treatment plan gives."""
    if low < 0:
        raise _fail(source, PIXEL_DATA, f"a dose grid holds negative doses (minimum {low:.6g} Gy)")
    if high > MAX_PLAUSIBLE_DOSE_GY:
        raise _fail(
            source, DOSE_GRID_SCALING,
            f"a maximum dose of {high:.6g} Gy is more than any treatment plan gives ({MAX_PLAUSIBLE_DOSE_GY:g} Gy)",
        )


def read_rtdose(dicom: DicomSource | DicomInput, *, source: str | None = None) -> DoseGrid:
    """Read an RT Dose into a :class:`DoseGrid` in Gy, indexed ``[z, y, x]``, axes increasing.

    ``dicom`` is a path, bytes (a bytearray, a memoryview) or a binary file object (read from
    its position; :func:`~coverage_sdk.dose.inputs.dicom_input`); ``source`` names it in errors
    and as the grid's ``source`` (default: the path, or ``<bytes>``, ``<file object>``).

    The axial orientations (head/feet first, supine/prone, also decubitus) are turned so
    every axis increases; an oblique Image Orientation is an error. Grid Frame Offset Vector
    may be relative (first 0, along the plane normal) or absolute (first = the IPP z).
    ``reference_dvhs`` maps ROI numbers to the stored DVHs of single ROIs with doses in Gy or
    cGy (:class:`ReferenceDVH`), decoded on first use. The dose array, float32, is handed to
    the grid without a copy.
    """
    given = dicom_input(dicom, source=source, function="read_rtdose()")
    ds, source = _open(given, RT_DOSE_STORAGE, "RTDOSE", defer_size=DEFER_SIZE)
    if ds.get_item(PIXEL_DATA, keep_deferred=True) is None:
        raise _fail(source, PIXEL_DATA, "expected a dose grid; this RT Dose has no pixel data")
    try:
        rows, columns, frames = int(ds.Rows), int(ds.Columns), int(ds.get("NumberOfFrames", 1) or 1)
    except (AttributeError, TypeError, ValueError):
        raise _fail(source, 0x00280010, "expected Rows, Columns and Number of Frames") from None
    if min(rows, columns, frames) < 1:
        raise _fail(source, 0x00280008, f"expected a non-empty grid, found {frames}x{rows}x{columns}")
    if rows * columns * frames > MAX_GRID_CELLS:
        raise _fail(source, 0x00280008, f"a grid of {frames}x{rows}x{columns} is larger than {MAX_GRID_CELLS} cells")
    position = _numbers(ds, IMAGE_POSITION, source, count=3)
    orientation = _numbers(ds, IMAGE_ORIENTATION, source, count=6)
    spacing = _numbers(ds, PIXEL_SPACING, source, count=2)
    if np.any(spacing <= 0):
        raise _fail(source, PIXEL_SPACING, "expected positive row and column spacing")
    along_row, along_column = _axis_of(orientation[:3]), _axis_of(orientation[3:])
    if along_row is None or along_column is None or along_row[0] == along_column[0]:
        raise _fail(
            source, IMAGE_ORIENTATION,
            "expected an axial grid (direction cosines ±1,0,0 and 0,±1,0); oblique grids are not supported",
        )
    offsets = _numbers(ds, GRID_FRAME_OFFSET_VECTOR, source, count=frames, required=frames > 1)
    if offsets is None:
        offsets = np.zeros(1)
    normal_z = float(np.cross(np.eye(3)[along_row[0]] * along_row[1], np.eye(3)[along_column[0]] * along_column[1])[2])
    if offsets[0] == 0.0:
        z = position[2] + normal_z * offsets
    elif abs(offsets[0] - position[2]) <= 1e-3:
        z = offsets
    else:
        raise _fail(
            source, GRID_FRAME_OFFSET_VECTOR,
            "expected the first offset to be 0 (relative) or the Image Position z (absolute)",
        )
    steps = np.diff(z)
    if not (np.all(steps > 0) or np.all(steps < 0)):
        raise _fail(source, GRID_FRAME_OFFSET_VECTOR, "expected strictly monotonic frame offsets")
    scaling = _numbers(ds, DOSE_GRID_SCALING, source, count=1)[0]
    units = _text(ds, "DoseUnits")
    if units not in DOSE_UNITS_GY:
        raise _fail(source, 0x30040002, f"expected GY or CGY, found {units or 'nothing'}")
    if scaling * DOSE_UNITS_GY[units] <= 0:
        raise _fail(source, DOSE_GRID_SCALING, f"expected a positive scaling, found {scaling}")

    stored_frames = _stored_frames(ds, given, (frames, rows, columns))
    row_axis = position[along_row[0]] + along_row[1] * spacing[1] * np.arange(columns)
    column_axis = position[along_column[0]] + along_column[1] * spacing[0] * np.arange(rows)
    transpose = along_row[0] != 0
    x, y = (column_axis, row_axis) if transpose else (row_axis, column_axis)
    flips = tuple(slice(None, None, -1) if axis.size > 1 and axis[1] < axis[0] else slice(None) for axis in (z, y, x))
    dose = _scaled(stored_frames, (frames, rows, columns), transpose, flips, scaling * DOSE_UNITS_GY[units])
    try:
        grid = DoseGrid(Handed(dose), x[flips[2]], y[flips[1]], z[flips[0]], source=source, reference_dvhs=_StoredDVHs(ds, source))
    except InputError as exc:
        # the range comes first, as where the grid is valid (an infinite dose is implausible)
        _plausible(float(dose.min()), float(dose.max()), source)
        raise _fail(source, GRID_FRAME_OFFSET_VECTOR if "z axis" in exc.message else IMAGE_POSITION, exc.message) from None
    _plausible(grid.min_dose, grid.max_dose, source)
    return grid


# --- RT Structure Set ------------------------------------------------------------------


@attrs.frozen(eq=False)
class StructureSet(Mapping[str, Structure]):
    """The ROIs of an RT Structure Set with a volume, by name; markers kept apart.

    The mapping holds the closed planar ROIs (and the empty ones); ``markers`` the POINT and
    other non-volume ROIs by name; ``by_number`` finds either by ROI Number. Where two ROIs
    share a name, the first keeps it and the other is found by number.
    """

    volumes: dict[str, Structure]
    markers: dict[str, Structure]
    source: str = ""
    _shadowed: tuple[Structure, ...] = ()

    def __getitem__(self, name: str) -> Structure:
        return self.volumes[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.volumes)

    def __len__(self) -> int:
        return len(self.volumes)

    def by_number(self, number: int) -> Structure:
        for structure in (*self.volumes.values(), *self.markers.values(), *self._shadowed):
            if structure.number == number:
                return structure
        raise KeyError(number)


_LONG_VRS = frozenset((b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"))
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
ROI_TAGS = (REFERENCED_ROI_NUMBER, ROI_DISPLAY_COLOR, CONTOUR_SEQUENCE)
CONTOUR_TAGS = (CONTOUR_TYPE, CONTOUR_DATA)
SPECIFIC_CHARACTER_SET = 0x00080005
ROI_NUMBER, ROI_NAME = 0x30060022, 0x30060026
RT_ROI_INTERPRETED_TYPE = 0x300600A4
PLAIN_TEXT = {
    "LO": re.compile(rb"[\x20-\x5b\x5d-\x7e]{0,64}"),
    "CS": re.compile(rb"[A-Z0-9_ ]{0,16}"),
    "IS": re.compile(rb" *[+-]?[0-9]{1,9} *"),
}
MALFORMED = f"malformed sequence encoding (or ROI numbers outside 0..{MAX_ROI_NUMBER}, or items nested deeper than {MAX_SEQUENCE_DEPTH})"


def _raw_sequence(ds: pydicom.Dataset, tag: int) -> bytes | None:
    """The encoded value of sequence ``tag`` where pydicom kept it unparsed (little endian, and
    not as UN, whose items are implicit VR whatever the file's), else None."""
    element = ds.get_item(tag)
    value = None if element is None else element.value
    unparsed = isinstance(element, RawDataElement) and element.VR in (None, "SQ")
    return value if unparsed and isinstance(value, bytes) and ds.original_encoding[1] else None


def _item_value(ds: pydicom.Dataset, buf: bytes, element: list[int], tag: int, vr: str) -> Any:
    """The value pydicom gives the element of ``tag`` (dictionary VR ``vr``) whose (header,
    start, stop) in ``buf`` is ``element``: its text without trailing spaces where it is plain
    (``PLAIN_TEXT``: what pydicom reads so in any character set, with no warning), else pydicom's."""
    head, start, stop = element
    implicit = bool(ds.original_encoding[0])
    found = None if implicit else buf[head + 4 : head + 6].decode("ascii", "replace")
    value = buf[start:stop]
    if found in (None, vr) and PLAIN_TEXT[vr].fullmatch(value):
        return value.decode("ascii").rstrip(" ")
    raw = RawDataElement(BaseTag(tag), found, stop - start, value, start, implicit, True)
    return convert_raw_data_element(raw, encoding=ds._character_set).value


def _colour(text: str) -> tuple[int, int, int] | None:
    """ROI Display Color ``R\\G\\B`` (0-255 each), or None when it is not three such numbers."""
    try:
        rgb = tuple(int(float(v)) for v in text.strip(" \x00").split("\\"))
    except ValueError:
        return None
    return rgb if len(rgb) == 3 and all(0 <= v <= 255 for v in rgb) else None


@attrs.frozen
class _Contours:
    """Every contour of an ROI Contour Sequence: its ROI number, whether it is CLOSED_PLANAR, its
    ContourData span in ``buf``, and the geometric type of those that are not (by index); and
    each ROI's display colour."""

    buf: bytes
    numbers: NDArray[np.int64]
    closed: NDArray[np.bool_]
    starts: NDArray[np.int64]
    stops: NDArray[np.int64]
    kinds: dict[int, str]
    colours: dict[int, tuple[int, int, int]]

    @classmethod
    def of(
        cls, buf: bytes, numbers: NDArray[np.int64], kinds: list[str], starts: NDArray[np.int64], stops: NDArray[np.int64],
        colours: dict[int, tuple[int, int, int]],
    ) -> _Contours:
        """From every contour's geometric type (stripped, upper case)."""
        closed = np.array([kind == "CLOSED_PLANAR" for kind in kinds], dtype=bool)
        others = {c: kind for c, kind in enumerate(kinds) if kind != "CLOSED_PLANAR"}
        return cls(buf, numbers, closed, starts, stops, others, colours)


def _contours_from_bytes(buf: bytes, implicit: bool) -> _Contours:
    """The contours of the encoded sequence ``buf``, walked by the ``_dsparse`` kernel."""
    walk = kernel("_dsparse").sequence_items
    whole = (np.zeros(1, dtype=np.int64), np.array([len(buf)], dtype=np.int64))
    rois = walk(buf, *whole, implicit, np.array(ROI_TAGS, dtype=np.uint32), MAX_SEQUENCE_DEPTH)[0]
    numbers: list[int] = []
    sequences: list[list[int]] = []
    colours: dict[int, tuple[int, int, int]] = {}
    for number_span, colour, contours in rois[:, :, 1:].tolist():
        if number_span[0] < 0:
            continue
        number = _roi_number(buf[number_span[0] : number_span[1]].strip(b" \x00"))
        if colour[0] >= 0:
            rgb = _colour(buf[colour[0] : colour[1]].decode("ascii", "replace"))
            if rgb is not None:
                colours.setdefault(number, rgb)
        if contours[0] >= 0:
            numbers.append(number)
            sequences.append(contours)
    spans = np.array(sequences, dtype=np.int64).reshape(-1, 2)
    items, owners = walk(buf, spans[:, 0].copy(), spans[:, 1].copy(), implicit, np.array(CONTOUR_TAGS, dtype=np.uint32), MAX_SEQUENCE_DEPTH)
    kind, data = np.maximum(items[:, 0, 1:], 0), np.maximum(items[:, 1, 1:], 0)
    kinds = [buf[a:b].strip(b" \x00").decode("ascii").upper() for a, b in kind.tolist()]
    return _Contours.of(buf, np.array(numbers, dtype=np.int64)[owners], kinds, data[:, 0].copy(), data[:, 1].copy(), colours)


def _contours_from_sequence(sequence: Sequence) -> _Contours:
    """The same as :func:`_contours_from_bytes` for a sequence pydicom has already parsed."""
    chunks: list[bytes] = []
    numbers: list[int] = []
    kinds: list[str] = []
    stops: list[int] = []
    colours: dict[int, tuple[int, int, int]] = {}
    at = 0
    for roi in sequence:
        if "ReferencedROINumber" not in roi:
            continue
        colour = roi.get("ROIDisplayColor")
        if isinstance(colour, bytes):
            colour = colour.decode("ascii", "replace")
        rgb = _colour(colour or "" if isinstance(colour, str) or colour is None else "\\".join(map(str, colour)))
        if rgb is not None:
            colours.setdefault(int(roi.ReferencedROINumber), rgb)
        for contour in roi.get("ContourSequence") or []:
            element = contour.get_item(CONTOUR_DATA)
            raw = element.value if element is not None and isinstance(element.value, bytes) else b""
            chunks.append(raw)
            numbers.append(_roi_number(roi.ReferencedROINumber))
            kinds.append(_text(contour, "ContourGeometricType"))
            at += len(raw)
            stops.append(at)
    ends = np.array(stops, dtype=np.int64)
    starts = ends - np.array([len(chunk) for chunk in chunks], dtype=np.int64)
    return _Contours.of(b"".join(chunks), np.array(numbers, dtype=np.int64), kinds, starts, ends, colours)


def _roi_number(value: object) -> int:
    """An ROI Number (IS): an integer from 0 to MAX_ROI_NUMBER; ValueError otherwise."""
    text = value.decode("ascii") if isinstance(value, bytes) else str(value)
    if not text.strip().lstrip("+-").isdigit() or len(text.strip()) > 12:
        raise ValueError(text[:20])
    number = int(text)
    if not 0 <= number <= MAX_ROI_NUMBER:
        raise ValueError(text[:20])
    return number


def _contours(ds: pydicom.Dataset, source: str) -> _Contours:
    buf = _raw_sequence(ds, ROI_CONTOUR_SEQUENCE)
    if buf is not None:
        try:
            return _contours_from_bytes(buf, bool(ds.original_encoding[0]))
        except (ValueError, UnicodeDecodeError):
            raise _fail(source, ROI_CONTOUR_SEQUENCE, MALFORMED) from None
    try:
        return _contours_from_sequence(ds.ROIContourSequence)
    except Exception as exc:  # pydicom's parser on untrusted bytes
        raise _fail(source, ROI_CONTOUR_SEQUENCE, f"malformed sequence ({type(exc).__name__})") from None


def _raw_items(ds: pydicom.Dataset, tag: int, tags: tuple[int, ...]) -> tuple[bytes, list[list[list[int]]]] | None:
    """The encoded sequence ``tag`` and, for each item, the (header, start, stop) of ``tags``;
    None where pydicom parsed the sequence or an item sets its own character set (pydicom reads
    those). ValueError where the encoding is malformed."""
    buf = _raw_sequence(ds, tag)
    if buf is None:
        return None
    whole = (np.zeros(1, dtype=np.int64), np.array([len(buf)], dtype=np.int64))
    wanted = np.array((*tags, SPECIFIC_CHARACTER_SET), dtype=np.uint32)
    items = kernel("_dsparse").sequence_items(buf, *whole, bool(ds.original_encoding[0]), wanted, MAX_SEQUENCE_DEPTH)[0]
    if np.any(items[:, -1, 0] >= 0):
        return None
    return buf, items[:, :-1].tolist()


def _roi_names(ds: pydicom.Dataset, source: str) -> dict[int, str]:
    names: dict[int, str] = {}
    try:
        raw = _raw_items(ds, 0x30060020, (ROI_NUMBER, ROI_NAME))
    except ValueError:
        raise _fail(source, 0x30060020, MALFORMED) from None
    try:
        if raw is None:
            rois = ((_roi_number(roi.ROINumber), roi.get("ROIName", "")) for roi in ds.get("StructureSetROISequence") or [])
        else:
            buf, items = raw
            rois = (
                (_roi_number(buf[number[1] : number[2]].strip(b" \x00") if number[0] >= 0 else None),
                 _item_value(ds, buf, name, ROI_NAME, "LO") if name[0] >= 0 else "")
                for number, name in items
            )  # fmt: skip
        for number, value in rois:
            name = str(value or "").strip() or f"ROI {number}"
            if number in names:
                raise _fail(source, 0x30060022, f"ROI Number {number} is given to two ROIs ({names[number]!r} and {name!r})")
            names[number] = name
    except (AttributeError, TypeError, ValueError, RecursionError) as exc:
        if isinstance(exc, InputError):
            raise
        raise _fail(source, 0x30060022, f"expected an ROI Number from 0 to {MAX_ROI_NUMBER} in every Structure Set ROI item") from None
    return names


def _interpreted_types(ds: pydicom.Dataset) -> dict[int, str]:
    """RT ROI Interpreted Type (``PTV``, ``CTV``, ``ORGAN``, ...) by ROI number, where given."""
    types: dict[int, str] = {}
    try:
        raw = _raw_items(ds, 0x30060080, (REFERENCED_ROI_NUMBER, RT_ROI_INTERPRETED_TYPE))
        if raw is None:
            for item in ds.get("RTROIObservationsSequence") or []:
                kind = _text(item, "RTROIInterpretedType")
                if kind and "ReferencedROINumber" in item:
                    types.setdefault(int(item.ReferencedROINumber), kind)
        else:
            buf, items = raw
            for number, kind_span in items:
                kind = _plain(_item_value(ds, buf, kind_span, RT_ROI_INTERPRETED_TYPE, "CS")) if kind_span[0] >= 0 else ""
                if kind and number[0] >= 0:
                    types.setdefault(int(_item_value(ds, buf, number, REFERENCED_ROI_NUMBER, "IS")), kind)
    except (AttributeError, TypeError, ValueError):
        return {}
    return types


def read_rtstruct(dicom: DicomSource | DicomInput, *, source: str | None = None) -> StructureSet:
    """Read an RT Structure Set into a :class:`StructureSet` of :class:`Structure` by ROI name.

    ``dicom`` and ``source`` as for :func:`read_rtdose`.

    Every contour is kept, several per plane included (the rasteriser combines them by
    parity); ROIs without contours are empty structures; POINT and other non-planar ROIs go
    to ``markers``. Closed planar contours must lie on one transverse plane each. Each
    structure keeps its ROI Display Color and RT ROI Interpreted Type where the file gives them.
    """
    ds, source = _open(dicom_input(dicom, source=source, function="read_rtstruct()"), RT_STRUCTURE_SET_STORAGE, "RTSTRUCT")
    for tag in (0x30060020, ROI_CONTOUR_SEQUENCE):
        if tag not in ds:
            raise _fail(source, tag, "is missing: every RT Structure Set has one")
    names = _roi_names(ds, source)
    contours = _contours(ds, source)
    types = _interpreted_types(ds)
    numbers, closed = contours.numbers, contours.closed
    if numbers.size > MAX_CONTOURS_PER_FILE or int((contours.stops - contours.starts).sum()) > MAX_CONTOUR_BYTES:
        raise _fail(
            source, CONTOUR_DATA,
            f"more than {MAX_CONTOURS_PER_FILE} contours or {MAX_CONTOUR_BYTES >> 20} MiB of contour data",
        )
    try:
        xy, counts, planes, finite = _parse_contours(contours.buf, contours.starts, contours.stops)
    except ValueError as exc:
        number = numbers[exc.args[0]] if exc.args and isinstance(exc.args[0], int) else "?"
        raise _fail(source, CONTOUR_DATA, f"ROI {number}: expected decimal numbers separated by backslashes") from None
    if np.any(counts % 3):
        c = int(np.argmax(counts % 3))
        raise _fail(source, CONTOUR_DATA, f"ROI {numbers[c]}: expected x,y,z triplets, found {counts[c]} numbers")
    if not finite:
        raise _fail(source, CONTOUR_DATA, "expected finite coordinates")
    n = numbers.size
    sizes = counts // 3
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    filled = sizes > 0
    z = planes[:, 0]
    off_plane = np.maximum(planes[:, 2] - z, z - planes[:, 1]) > PLANE_TOLERANCE_MM
    if np.any(off_plane & closed):
        c = int(np.argmax(off_plane & closed))
        raise _fail(source, CONTOUR_DATA, f"ROI {numbers[c]}: a closed planar contour is not on one transverse plane")
    for number in np.unique(numbers).tolist():
        names.setdefault(number, f"ROI {number}")

    with_closed = np.unique(numbers[filled & closed])
    chosen = filled & (closed | ~np.isin(numbers, with_closed))
    marker_kinds: dict[int, str] = {}
    for c in np.flatnonzero(chosen & ~closed).tolist():
        marker_kinds.setdefault(int(numbers[c]), contours.kinds[c])
    ordered = np.flatnonzero(chosen)
    ordered = ordered[np.lexsort((z[ordered], numbers[ordered]))]
    own = np.zeros(ordered.size + 1, dtype=np.int64)
    np.cumsum(sizes[ordered], out=own[1:])
    if ordered.size != n or np.any(ordered != np.arange(n)):
        xy = xy[np.repeat(offsets[ordered] - own[:-1], sizes[ordered]) + np.arange(own[-1])]
    xy.flags.writeable = False
    keys = np.fromiter(names, dtype=np.int64, count=len(names))
    firsts = np.searchsorted(numbers[ordered], keys, side="left").tolist()
    lasts = np.searchsorted(numbers[ordered], keys, side="right").tolist()
    bounds = own.tolist()

    volumes: dict[str, Structure] = {}
    markers: dict[str, Structure] = {}
    shadowed: list[Structure] = []
    for (number, name), a, b in zip(names.items(), firsts, lasts):
        kind = marker_kinds.get(number, "CLOSED_PLANAR")
        try:
            structure = Structure(
                name, number, Handed(xy[bounds[a] : bounds[b]]), Handed(own[a : b + 1] - bounds[a]), Handed(z[ordered[a:b]]), kind,
                colour=contours.colours.get(number), interpreted_type=types.get(number),
            )  # fmt: skip
        except InputError as exc:
            raise _fail(source, CONTOUR_DATA, exc.message) from None
        target = volumes if kind == "CLOSED_PLANAR" else markers
        if name in volumes or name in markers:
            shadowed.append(structure)
        else:
            target[name] = structure
    return StructureSet(volumes, markers, source, tuple(shadowed))
