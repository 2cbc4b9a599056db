"""RT Dose and RT Structure Set files built with pydicom for the tests, with values known exactly.

The dose rises linearly along x, ``gy_per_mm * (x + 50)`` Gy, on a 2 mm grid covering
x, y, z in [-50, 50] mm. ROIs are square prisms along x: ``x0..x1``, y in [-10, 10], contours
on the planes z = -10, -8, ..., 10 (so they reach z = +-11 mm). In a prism the dose is uniform
across y and z, so every DVH statistic follows from the x extent alone.
"""

from __future__ import annotations

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_STRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
AXIS = np.arange(-50.0, 50.0 + 1e-9, 2.0)
PLANES = np.arange(-10.0, 10.0 + 1e-9, 2.0)
HEIGHT_MM, WIDTH_MM = 22.0, 20.0


def _file(sop_class: str, modality: str) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = sop_class, meta.MediaStorageSOPInstanceUID, modality
    ds.FrameOfReferenceUID = "1.2.3.4"
    return ds


def write_rtdose(path, gy_per_mm: float) -> None:
    ds = _file(RT_DOSE, "RTDOSE")
    z, y, x = np.meshgrid(AXIS, AXIS, AXIS, indexing="ij")
    scaling = 1e-4
    pixels = np.round(gy_per_mm * (x + 50.0) / scaling).astype("<u4")
    ds.Rows, ds.Columns, ds.NumberOfFrames = AXIS.size, AXIS.size, AXIS.size
    ds.ImagePositionPatient = [AXIS[0], AXIS[0], AXIS[0]]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [2.0, 2.0]
    ds.GridFrameOffsetVector = list(AXIS - AXIS[0])
    ds.DoseGridScaling, ds.DoseUnits, ds.DoseType, ds.DoseSummationType = scaling, "GY", "PHYSICAL", "PLAN"
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 32, 32, 31, 0
    ds.PixelData = pixels.tobytes()
    pydicom.dcmwrite(path, ds, enforce_file_format=True)


def write_rtstruct(path, prisms: dict[str, tuple[float, float]]) -> None:
    """``prisms``: ROI name -> (x0, x1) in mm."""
    ds = _file(RT_STRUCT, "RTSTRUCT")
    rois, contours = Sequence(), Sequence()
    for number, (name, (x0, x1)) in enumerate(prisms.items(), start=1):
        roi = Dataset()
        roi.ROINumber, roi.ROIName, roi.ReferencedFrameOfReferenceUID = number, name, "1.2.3.4"
        rois.append(roi)
        item = Dataset()
        item.ReferencedROINumber = number
        item.ContourSequence = Sequence()
        for z in PLANES:
            contour = Dataset()
            contour.ContourGeometricType = "CLOSED_PLANAR"
            square = [(x0, -10.0), (x1, -10.0), (x1, 10.0), (x0, 10.0)]
            contour.NumberOfContourPoints = len(square)
            contour.ContourData = [float(v) for px, py in square for v in (px, py, z)]
            item.ContourSequence.append(contour)
        contours.append(item)
    ds.StructureSetROISequence, ds.ROIContourSequence = rois, contours
    pydicom.dcmwrite(path, ds, enforce_file_format=True)


def prism_statistics(x0: float, x1: float, gy_per_mm: float) -> dict[str, float]:
    """The exact DVH statistics of a prism ``x0..x1`` in the linear dose."""
    dose = lambda x: gy_per_mm * (x + 50.0)  # noqa: E731
    cc_per_mm = WIDTH_MM * HEIGHT_MM / 1000.0
    volume = (x1 - x0) * cc_per_mm

    def hottest(cc: float) -> float:
        return dose(x1 - cc / cc_per_mm)

    def v_percent(gy: float) -> float:
        x = gy / gy_per_mm - 50.0
        return 100.0 * float(np.clip((x1 - x) / (x1 - x0), 0.0, 1.0))

    return {
        "volume_cc": volume, "Dmax": dose(x1), "Dmean": dose((x0 + x1) / 2), "D2cc": hottest(2.0),
        "D0.03cc": hottest(0.03), "V15Gy": v_percent(15.0), "V15Gy_cc": v_percent(15.0) * volume / 100.0,
    }  # fmt: skip
