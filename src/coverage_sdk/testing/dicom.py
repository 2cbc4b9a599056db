"""RT Dose and RT Structure Set files for tests, examples and benchmarks, written from arrays.

The one DICOM writer of the project: :func:`rtdose` and :func:`rtstruct` build a file from a
dose grid or from contours, write it to ``path`` when one is given, and return its bytes.
Patient coordinates are in mm, doses in Gy. UIDs derive from the content, so the same input
gives the same bytes. :func:`dataset` and :func:`write` re-encode an existing file (to test a
reader against other encodings); pydicom is imported here and nowhere else in the tests.

    from coverage_sdk.testing.dicom import ROI, rtdose, rtstruct

    rtdose(dose, x, y, z, path=tmp_path / "rtdose.dcm")
    rtstruct([ROI(1, "Femur_L", [circle_at_z0, circle_at_z3])], path=tmp_path / "rtstruct.dcm")
"""

from __future__ import annotations

import enum
import hashlib
import io
import os
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import UID, generate_uid

from coverage_sdk.dose.geometry import Structure

__all__ = [
    "FRAME_OF_REFERENCE", "ORIENTATIONS", "RT_DOSE_STORAGE", "RT_STRUCTURE_SET_STORAGE",
    "ROI", "Contour", "Encoding", "Lengths", "StoredDVH", "dataset", "rtdose", "rtstruct", "write",
]  # fmt: skip

RT_DOSE_STORAGE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
FRAME_OF_REFERENCE = generate_uid(entropy_srcs=["coverage-sdk test frame of reference"])
PATIENT = ("Phantom^Test", "PHANTOM")

ORIENTATIONS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "HFS": ((1, 0, 0), (0, 1, 0)),
    "FFS": ((-1, 0, 0), (0, 1, 0)),
    "HFP": ((-1, 0, 0), (0, -1, 0)),
    "FFP": ((1, 0, 0), (0, -1, 0)),
    "HFDL": ((0, -1, 0), (1, 0, 0)),
}
"""Patient position -> Image Orientation (Patient): the row and the column direction cosines."""


class Encoding(enum.Enum):
    """The transfer syntax a file is written in (its UID)."""

    IMPLICIT_LITTLE = "1.2.840.10008.1.2"
    EXPLICIT_LITTLE = "1.2.840.10008.1.2.1"
    EXPLICIT_BIG = "1.2.840.10008.1.2.2"


class Lengths(enum.Enum):
    """How the ROI Contour Sequence of a structure set encodes its lengths."""

    DEFINED = "defined"
    NESTED_UNDEFINED = "nested undefined"
    """Its items and their Contour Sequences undefined, the ROI Contour Sequence itself defined."""
    UNDEFINED = "undefined"


@attrs.frozen
class StoredDVH:
    """One item of an RT Dose's DVH Sequence: the planning system's DVH of ROI ``roi_number``.

    ``bin_widths`` are in ``units`` (``GY`` or ``CGY``, times ``dose_scaling`` when given),
    ``volumes`` in cc, one per bin; ``kind`` is ``CUMULATIVE`` or ``DIFFERENTIAL``; ``mean``
    is the stored mean dose in ``units``.
    """

    roi_number: int
    bin_widths: tuple[float, ...] = attrs.field(converter=tuple)
    volumes: tuple[float, ...] = attrs.field(converter=tuple)
    kind: str = "CUMULATIVE"
    units: str = "GY"
    dose_scaling: float | None = None
    mean: float | None = None


@attrs.frozen(eq=False)
class Contour:
    """One contour: ``points`` of shape (n, 3), x, y, z in mm, written flat as Contour Data
    (a flat sequence is written as it is, to make malformed files)."""

    points: np.ndarray = attrs.field(converter=lambda p: np.asarray(p, dtype=np.float64))
    kind: str = "CLOSED_PLANAR"


def _contours(items: Iterable[Contour | Any]) -> tuple[Contour, ...]:
    return tuple(item if isinstance(item, Contour) else Contour(item) for item in items)


@attrs.frozen(eq=False)
class ROI:
    """One ROI of a structure set: its number, name and contours (:class:`Contour` or (n, 3)
    arrays in mm, closed planar); no contours gives an ROI without a Contour Sequence.
    ``colour`` is written as ROI Display Color, ``interpreted_type`` as RT ROI Interpreted Type."""

    number: int
    name: str
    contours: tuple[Contour, ...] = attrs.field(default=(), converter=_contours)
    colour: tuple[int, int, int] = (255, 0, 0)
    interpreted_type: str = "ORGAN"

    @classmethod
    def from_structure(cls, structure: Structure) -> ROI:
        """The ROI a :class:`~coverage_sdk.dose.geometry.Structure` was read from."""
        contours = []
        for c, z in enumerate(structure.z):
            xy = structure.points[structure.offsets[c] : structure.offsets[c + 1]]
            contours.append(Contour(np.column_stack((xy, np.full(len(xy), z))), structure.kind))
        return cls(structure.number, structure.name, contours, structure.colour or (255, 0, 0), structure.interpreted_type or "ORGAN")


def _ds(value: float) -> str:
    """A decimal string of at most 16 characters that reads back as ``value`` where it can."""
    text = repr(float(value))
    digits = 15
    while len(text) > 16:
        text = format(float(value), f".{digits}g")
        digits -= 1
    return text


def _uid(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
    return generate_uid(entropy_srcs=[digest.hexdigest()])


def _file(sop_class: str, modality: str, uid: str, encoding: Encoding, patient: tuple[str, str], frame: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = UID(encoding.value)
    ds.file_meta.MediaStorageSOPClassUID = UID(sop_class)
    ds.file_meta.MediaStorageSOPInstanceUID = UID(uid)
    ds.file_meta.ImplementationVersionName = "COVERAGE_SDK"  # pydicom's default names its version
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = sop_class, uid, modality
    ds.PatientName, ds.PatientID = patient
    ds.FrameOfReferenceUID = frame
    return ds


def _change(ds: Dataset, changes: Mapping[str, Any] | None) -> None:
    for keyword, value in (changes or {}).items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)


def _undefine(ds: Dataset, lengths: Lengths) -> None:
    if lengths is Lengths.DEFINED or "ROIContourSequence" not in ds:
        return
    for item in ds.ROIContourSequence:
        if "ContourSequence" in item:
            item["ContourSequence"].is_undefined_length = True
            for contour in item.ContourSequence:
                contour.is_undefined_length_sequence_item = True
        item.is_undefined_length_sequence_item = True
    ds["ROIContourSequence"].is_undefined_length = lengths is Lengths.UNDEFINED


def dataset(path: str | os.PathLike[str]) -> Dataset:
    """The file at ``path`` as pydicom reads it: an independent reading to check the SDK's
    reader against, or a dataset to change and :func:`write` again."""
    return pydicom.dcmread(path)


def write(ds: Dataset, path: str | os.PathLike[str] | None = None, *, lengths: Lengths = Lengths.DEFINED) -> bytes:
    """Encode ``ds`` as a DICOM file (with its file meta information); write it to ``path``
    when given; return the bytes. ``lengths`` applies to an RT Structure Set's contours."""
    _undefine(ds, lengths)
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    data = buffer.getvalue()
    if path is not None:
        with open(path, "wb") as handle:
            handle.write(data)
    return data


def _stored_axes(orientation: str) -> tuple[tuple[int, int, int], tuple[float, float, float]]:
    """The patient axis (0 x, 1 y, 2 z) along the stored columns, rows and frames, and their directions."""
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {', '.join(ORIENTATIONS)}, got {orientation!r}")
    row, column = (np.array(v, dtype=float) for v in ORIENTATIONS[orientation])
    directions = (row, column, np.cross(row, column))
    a0, a1, a2 = (int(np.argmax(np.abs(d))) for d in directions)
    return (a0, a1, a2), (float(directions[0][a0]), float(directions[1][a1]), float(directions[2][a2]))


def _dvh_item(dvh: StoredDVH) -> Dataset:
    item = Dataset()
    referenced = Dataset()
    referenced.ReferencedROINumber = dvh.roi_number
    referenced.DVHROIContributionType = "INCLUDED"
    item.DVHReferencedROISequence = Sequence([referenced])
    item.DVHType, item.DoseUnits, item.DoseType, item.DVHVolumeUnits = dvh.kind, dvh.units, "PHYSICAL", "CM3"
    if dvh.dose_scaling is not None:
        item.DVHDoseScaling = _ds(dvh.dose_scaling)
    item.DVHNumberOfBins = len(dvh.bin_widths)
    item.DVHData = [_ds(v) for pair in zip(dvh.bin_widths, dvh.volumes) for v in pair]
    if dvh.mean is not None:
        item.DVHMeanDose = _ds(dvh.mean)
    return item


def rtdose(
    dose: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    *,
    path: str | os.PathLike[str] | None = None,
    orientation: str = "HFS",
    units: str = "GY",
    scaling: float = 1e-5,
    bits: int = 32,
    signed: bool = False,
    absolute_offsets: bool = False,
    dvhs: Iterable[StoredDVH] = (),
    encoding: Encoding = Encoding.EXPLICIT_LITTLE,
    patient: tuple[str, str] = PATIENT,
    frame_of_reference: str = FRAME_OF_REFERENCE,
    changes: Mapping[str, Any] | None = None,
) -> bytes:
    """An RT Dose file of ``dose``; written to ``path`` when given; its bytes.

    Parameters
    ----------
    dose : (nz, ny, nx) array of float
        Dose in Gy; ``dose[k, j, i]`` is at ``(x[i], y[j], z[k])`` (the :class:`DoseGrid` convention).
    x, y, z : 1-d arrays of float
        Increasing positions in mm; ``x`` and ``y`` evenly spaced.
    orientation : str
        Patient position of :data:`ORIENTATIONS`; the grid is stored turned accordingly.
    units : str
        ``GY`` or ``CGY``: the Dose Units the stored values are in.
    scaling : float
        Dose Grid Scaling: the stored integers are ``rint(dose in units / scaling)``.
    bits, signed : int, bool
        16 or 32 bits per stored value, unsigned or two's complement.
    absolute_offsets : bool
        Grid Frame Offset Vector as z positions instead of offsets from the first frame.
    dvhs : StoredDVH items
        The planning system's DVHs stored in the file.
    encoding : Encoding
        The transfer syntax.
    patient : (name, id)
        Patient Name and Patient ID.
    frame_of_reference : str
        Frame of Reference UID; by default the one :func:`rtstruct` writes too.
    changes : mapping of keyword -> value
        Attributes set last (``None`` deletes one), to make unusual or malformed files.
    """
    dose = np.asarray(dose, dtype=np.float64)
    positions = [np.asarray(axis, dtype=np.float64) for axis in (x, y, z)]
    if dose.shape != (positions[2].size, positions[1].size, positions[0].size):
        raise ValueError(f"dose shape {dose.shape} does not match the axes (z, y, x)")
    (a_row, a_column, a_frame), signs = _stored_axes(orientation)
    for a in (a_row, a_column):
        steps = np.diff(positions[a])
        if steps.size and not np.allclose(steps, steps[0]):
            raise ValueError("x and y must be evenly spaced")
    stored = dose.transpose(2 - a_frame, 2 - a_column, 2 - a_row)[
        tuple(slice(None, None, -1) if s < 0 else slice(None) for s in reversed(signs))
    ]
    direction = dict(zip((a_row, a_column, a_frame), signs))
    corner = [positions[a][0] if direction[a] > 0 else positions[a][-1] for a in range(3)]
    frames = positions[a_frame] if direction[a_frame] > 0 else positions[a_frame][::-1]
    offsets = direction[a_frame] * (frames - corner[a_frame])
    spacing = [float(abs(positions[a][1] - positions[a][0])) if positions[a].size > 1 else 1.0 for a in (a_column, a_row)]

    per_gy = {"GY": 1.0, "CGY": 100.0}[units]
    kind = np.dtype(f"{'>' if encoding is Encoding.EXPLICIT_BIG else '<'}{'i' if signed else 'u'}{bits // 8}")
    values = np.rint(stored * per_gy / scaling)
    info = np.iinfo(kind)
    if values.size and (values.min() < info.min or values.max() > info.max):
        raise ValueError(f"doses do not fit {bits}-bit {'signed' if signed else 'unsigned'} values at scaling {scaling:g}")
    pixels = values.astype(kind).tobytes()

    ds = _file(RT_DOSE_STORAGE, "RTDOSE", _uid("RTDOSE", pixels, repr(corner)), encoding, patient, frame_of_reference)
    ds.ImagePositionPatient = [_ds(v) for v in corner]
    ds.ImageOrientationPatient = [_ds(v) for pair in ORIENTATIONS[orientation] for v in pair]
    ds.PixelSpacing = [_ds(v) for v in spacing]
    ds.GridFrameOffsetVector = [_ds(v) for v in (frames if absolute_offsets else offsets)]
    ds.NumberOfFrames, ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit, ds.PixelRepresentation = bits - 1, int(signed)
    ds.DoseUnits, ds.DoseType, ds.DoseSummationType = units, "PHYSICAL", "PLAN"
    ds.DoseGridScaling = _ds(scaling)
    ds.PixelData = pixels
    dvhs = list(dvhs)
    if dvhs:
        ds.DVHSequence = Sequence([_dvh_item(dvh) for dvh in dvhs])
    _change(ds, changes)
    return write(ds, path)


def _contour_item(contour: Contour, decimals: int | None) -> Dataset:
    flat = contour.points.ravel()
    item = Dataset()
    item.ContourGeometricType = contour.kind
    item.NumberOfContourPoints = flat.size // 3
    item.ContourData = [_ds(v) if decimals is None else f"{v:.{decimals}f}" for v in flat.tolist()]
    return item


def rtstruct(
    rois: Iterable[ROI],
    *,
    path: str | os.PathLike[str] | None = None,
    decimals: int | None = None,
    lengths: Lengths = Lengths.DEFINED,
    encoding: Encoding = Encoding.EXPLICIT_LITTLE,
    changes: Mapping[str, Any] | None = None,
    patient: tuple[str, str] = PATIENT,
    frame_of_reference: str = FRAME_OF_REFERENCE,
) -> bytes:
    """An RT Structure Set file of ``rois``; written to ``path`` when given; its bytes.

    Parameters
    ----------
    rois : ROI items
        In file order; names and numbers as given (duplicates allowed).
    decimals : int, optional
        Contour Data written with this many decimals (mm); by default the shortest text that
        reads back as the same number.
    lengths : Lengths
        How the ROI Contour Sequence encodes its lengths.
    encoding, changes, patient, frame_of_reference
        As for :func:`rtdose`.
    """
    rois = list(rois)
    items = [[_contour_item(c, decimals) for c in roi.contours] for roi in rois]
    content = repr([(roi.number, roi.name, [list(c.ContourData) for c in contours]) for roi, contours in zip(rois, items)])
    ds = _file(RT_STRUCTURE_SET_STORAGE, "RTSTRUCT", _uid("RTSTRUCT", content), encoding, patient, frame_of_reference)
    ds.StructureSetROISequence, ds.ROIContourSequence, ds.RTROIObservationsSequence = Sequence(), Sequence(), Sequence()
    for roi, contour_items in zip(rois, items):
        entry = Dataset()
        entry.ROINumber, entry.ROIName, entry.ReferencedFrameOfReferenceUID = roi.number, roi.name, frame_of_reference
        entry.ROIGenerationAlgorithm = "MANUAL"
        ds.StructureSetROISequence.append(entry)
        contours = Dataset()
        contours.ReferencedROINumber = roi.number
        contours.ROIDisplayColor = list(roi.colour)
        if contour_items:
            contours.ContourSequence = Sequence(contour_items)
        ds.ROIContourSequence.append(contours)
        observation = Dataset()
        observation.ObservationNumber = observation.ReferencedROINumber = roi.number
        observation.RTROIInterpretedType, observation.ROIInterpreter = roi.interpreted_type, ""
        ds.RTROIObservationsSequence.append(observation)
    _change(ds, changes)
    return write(ds, path, lengths=lengths)
