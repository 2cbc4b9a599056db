"""DICOM RT attachments of a PAS request: which is the RT Dose and which the RT Structure Set.

The attachment bytes are never written to disk: they become the Case's ``files``, read by
``coverage_sdk.read_rtdose``/``read_rtstruct`` from memory.
"""

from __future__ import annotations

import io

import pydicom
from pydicom.errors import InvalidDicomError

MODALITIES = {"RTDOSE": "rtdose", "RTSTRUCT": "rtstruct"}


def modality(data: bytes) -> str | None:
    """``rtdose`` or ``rtstruct`` from the DICOM Modality (0008,0060), None for anything else."""
    try:
        header = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, specific_tags=["Modality"])
    except (InvalidDicomError, EOFError, ValueError, TypeError):
        return None
    return MODALITIES.get(str(header.get("Modality", "")).upper())
