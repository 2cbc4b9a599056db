"""Writes a DoseGrid and a Structure as RT Dose and RT Structure Set files (HFS, relative offsets).

Used by the accuracy benchmark to hand the analytic phantoms of ``tests/phantoms.py`` to
dicompyler-core, which reads only files.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ImplicitVRLittleEndian, generate_uid

from coverage_sdk.dose.geometry import DoseGrid, Structure

RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_STRUCT = "1.2.840.10008.5.1.4.1.1.481.3"


def _dataset(sop_class: str, modality: str, frame_of_reference: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.Modality = sop_class, modality
    ds.FrameOfReferenceUID = frame_of_reference
    ds.PatientName, ds.PatientID = "Phantom", "phantom"
    return ds


def write_rtdose(grid: DoseGrid, path, frame_of_reference: str, scaling: float = 1e-5) -> None:
    ds = _dataset(RT_DOSE, "RTDOSE", frame_of_reference)
    dx, dy = grid.spacing
    ds.ImagePositionPatient = [float(grid.x[0]), float(grid.y[0]), float(grid.z[0])]
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    ds.PixelSpacing = [dy, dx]
    ds.GridFrameOffsetVector = [float(v) for v in grid.z - grid.z[0]]
    ds.NumberOfFrames, ds.Rows, ds.Columns = grid.dose.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit, ds.PixelRepresentation = 31, 0
    ds.DoseUnits, ds.DoseType, ds.DoseSummationType = "GY", "PHYSICAL", "PLAN"
    ds.DoseGridScaling = scaling
    ds.PixelData = np.rint(grid.dose / scaling).astype("<u4").tobytes()
    ds.save_as(path, enforce_file_format=True)


def write_rtstruct(structure: Structure, path, frame_of_reference: str) -> None:
    ds = _dataset(RT_STRUCT, "RTSTRUCT", frame_of_reference)
    roi = Dataset()
    roi.ROINumber, roi.ROIName, roi.ReferencedFrameOfReferenceUID = structure.number, structure.name, frame_of_reference
    roi.ROIGenerationAlgorithm = "MANUAL"
    ds.StructureSetROISequence = Sequence([roi])
    contours = []
    for c, z in enumerate(structure.z):
        xy = structure.points[structure.offsets[c] : structure.offsets[c + 1]]
        item = Dataset()
        item.ContourGeometricType = structure.kind
        item.NumberOfContourPoints = len(xy)
        item.ContourData = [f"{v:.6f}" for v in np.column_stack((xy, np.full(len(xy), z))).ravel()]
        contours.append(item)
    item = Dataset()
    item.ReferencedROINumber = structure.number
    item.ROIDisplayColor = [255, 0, 0]
    item.ContourSequence = Sequence(contours)
    ds.ROIContourSequence = Sequence([item])
    observation = Dataset()
    observation.ObservationNumber = observation.ReferencedROINumber = structure.number
    observation.RTROIInterpretedType, observation.ROIInterpreter = "ORGAN", ""
    ds.RTROIObservationsSequence = Sequence([observation])
    ds.save_as(path, enforce_file_format=True)
