"""DICOM RT attachments of a PAS request as plan files the SDK's DICOM readers can open.

``coverage_sdk.read_rtdose``/``read_rtstruct`` read files today, so the attachment bytes are
written to a private temporary folder that becomes the Case's ``base_dir``. :func:`store`
is the only place that writes them: when the SDK reads DICOM from bytes, it is what goes.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

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


def new_folder() -> str:
    """A private folder (mode 0700) for one request's attachments."""
    return tempfile.mkdtemp(prefix="coverage-sdk-fhir-")


def store(folder: str, name: str, data: bytes) -> str:
    """Write ``data`` as ``name`` in ``folder``; the path relative to ``folder`` (the Case's base_dir)."""
    (Path(folder) / name).write_bytes(data)
    return name


def remove(folder: str | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
