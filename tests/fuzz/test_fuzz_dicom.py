"""Mutations of the example DICOM: bad input naming the file and the tag, or a determination;
never a traceback, a signal, a hang or a memory blow-up (issue 18, DICOM plausibility and limits)."""

from __future__ import annotations

import random
import re
import struct
import warnings
import zlib

import numpy as np
import pytest

from coverage_sdk.testing import dicom
from fuzz.contract import PHANTOM_CASE, PHANTOM_POLICY, assert_contract, phantom_folder, run_cli, without_time

DOSE = "phantom/rtdose-3dcrt.dcm"
STRUCTURES = "phantom/rtstruct.dcm"
DEFLATED = "1.2.840.10008.1.2.1.99"


def _dose(folder, change):
    ds = dicom.dataset(folder / DOSE)
    change(ds)
    dicom.write(ds, folder / DOSE)


def _structures(folder, change):
    ds = dicom.dataset(folder / STRUCTURES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        change(ds)
        dicom.write(ds, folder / STRUCTURES)


def _set(name, value):
    return lambda ds: setattr(ds, name, value)


def _negative_voxel(ds):
    ds.PixelRepresentation = 1
    ds.PixelData = b"\xff\xff\xff\xff" + ds.PixelData[4:]


def _roi_number(value):
    def change(ds):
        ds.StructureSetROISequence[0].ROINumber = value
        ds.ROIContourSequence[0].ReferencedROINumber = value

    return change


def _shared_roi_number(ds):
    ds.StructureSetROISequence[1].ROINumber = ds.StructureSetROISequence[0].ROINumber
    ds.ROIContourSequence[1].ReferencedROINumber = ds.StructureSetROISequence[0].ROINumber


def _contour(points):
    def change(ds):
        ds.ROIContourSequence[0].ContourSequence[0].ContourData = [f"{v:.6g}" for v in np.asarray(points).ravel()]
        ds.ROIContourSequence[0].ContourSequence[0].NumberOfContourPoints = len(points)

    return change


def _far_point(ds):
    data = list(ds.ROIContourSequence[0].ContourSequence[0].ContourData)
    data[0] = "3e19"
    ds.ROIContourSequence[0].ContourSequence[0].ContourData = data


def _circle(n, z):
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack((20 * np.cos(angles), 20 * np.sin(angles), np.full(n, z)))


def _element(tag: int, vr: bytes, value: bytes) -> bytes:
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr
    if vr in (b"OB", b"SQ", b"UN", b"UT"):
        return head + b"\0\0" + struct.pack("<I", len(value)) + value
    return head + struct.pack("<H", len(value)) + value


def _sequence(tag: int, items: list[bytes]) -> bytes:
    body = b"".join(b"\xfe\xff\x00\xe0\xff\xff\xff\xff" + item + b"\xfe\xff\x0d\xe0\0\0\0\0" for item in items)
    return struct.pack("<HH", tag >> 16, tag & 0xFFFF) + b"SQ\0\0\xff\xff\xff\xff" + body + b"\xfe\xff\xdd\xe0\0\0\0\0"


def _deep_nesting(folder):
    """The ROI Contour Sequence of the structure set replaced by items nested 2,000 deep."""
    data = (folder / STRUCTURES).read_bytes()
    at = data.index(b"\x06\x30\x39\x00SQ")
    length = struct.unpack_from("<I", data, at + 8)[0]
    nested = b""
    for _ in range(2000):
        nested = _sequence(0x30060040, [nested])
    roi = _element(0x30060084, b"IS", b"1 ") + nested
    (folder / STRUCTURES).write_bytes(data[:at] + _sequence(0x30060039, [roi]) + data[at + 12 + length :])


def _part10(syntax: str, body: bytes) -> bytes:
    uid = syntax.encode() + (b"\0" if len(syntax) % 2 else b"")
    sop = dicom.RT_DOSE_STORAGE.encode() + (b"\0" if len(dicom.RT_DOSE_STORAGE) % 2 else b"")
    meta = _element(0x00020001, b"OB", b"\0\1") + _element(0x00020002, b"UI", sop) + _element(0x00020003, b"UI", b"1.2.3.4\0")
    meta += _element(0x00020010, b"UI", uid)
    return b"\0" * 128 + b"DICM" + _element(0x00020000, b"UL", struct.pack("<I", len(meta))) + meta + body


def _deflate_bomb(folder):
    """2 MB of deflate that inflates to 2 GB of Pixel Data."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    size, zeros = 2 << 30, bytes(64 << 20)
    head = deflater.compress(_element(0x7FE00010, b"OB", b"")[:-4] + struct.pack("<I", size)) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(zeros) + deflater.flush(zlib.Z_FULL_FLUSH)
    (folder / DOSE).write_bytes(_part10(DEFLATED, head + block * (size // len(zeros)) + deflater.flush()))


def _deflated(ds):
    ds.file_meta.TransferSyntaxUID = DEFLATED


# name -> (change of the case folder, what the message names besides the file)
BAD: dict = {
    "PixelData twice its frames": (lambda f: _dose(f, lambda ds: setattr(ds, "PixelData", ds.PixelData * 2)), "(7FE0,0010)"),
    "PixelData half its frames": (lambda f: _dose(f, lambda ds: setattr(ds, "PixelData", ds.PixelData[: len(ds.PixelData) // 4 * 2])), "(7FE0,0010)"),
    "DoseGridScaling 1e300": (lambda f: _dose(f, _set("DoseGridScaling", "1e300")), "(3004,000E)"),
    "DoseGridScaling 1": (lambda f: _dose(f, _set("DoseGridScaling", "1")), "(3004,000E)"),
    "a negative dose": (lambda f: _dose(f, _negative_voxel), "negative"),
    "frames disagree with offsets": (lambda f: _dose(f, _set("NumberOfFrames", 24)), "(3004,000C)"),
    "an Image Position 3e19 mm away": (lambda f: _dose(f, _set("ImagePositionPatient", ["3e19", "0", "0"])), "(0020,0032)"),
    "a grid of 2^40 cells": (lambda f: _dose(f, lambda ds: (setattr(ds, "Rows", 65535), setattr(ds, "Columns", 65535), setattr(ds, "NumberOfFrames", 256))), "(0028,0008)"),
    "a deflate bomb": (_deflate_bomb, "inflates to more than 256 MiB"),
    "ROI Number of 20 digits": (lambda f: _structures(f, _roi_number("12345678901234567890")), "ROI"),
    "ROI Number 2^63": (lambda f: _structures(f, _roi_number(str(2**63))), "ROI"),
    "two ROIs share a number": (lambda f: _structures(f, _shared_roi_number), "ROI Number 1 is given to two ROIs"),
    "sequences nested 2,000 deep": (_deep_nesting, "nested"),
    "a point at x = 3e19": (lambda f: _structures(f, _far_point), "(3006,0050)"),
    "a plane of 25,000 points": (lambda f: _structures(f, _contour(_circle(25_000, -21.0))), "(3006,0050)"),
    "5,000 planes 2 um apart": (lambda f: _structures(f, _planes(5_000, 0.002)), "(3006,0050)"),
}


def _planes(count, spacing):
    def change(ds):
        item = ds.ROIContourSequence[0]
        template = item.ContourSequence[0]
        contours = []
        for k in range(count):
            contour = type(template)()
            contour.ContourGeometricType = "CLOSED_PLANAR"
            contour.NumberOfContourPoints = 4
            contour.ContourData = [f"{v:.6f}" for v in (-5, -5, k * spacing, 5, -5, k * spacing, 5, 5, k * spacing, -5, 5, k * spacing)]
            contours.append(contour)
        item.ContourSequence = contours

    return change


def _zigzag(n, z):
    t = np.linspace(-30, 30, n)
    return np.column_stack((t, np.where(np.arange(n) % 2, 30.0, -30.0), np.full(n, z)))


def test_a_zigzag_at_the_point_limit_is_decided_within_the_time_limit(folder):
    _structures(folder, _contour(_zigzag(20_000, -21.0)))
    assert_contract(_evaluate(folder))


@pytest.fixture
def folder(tmp_path):
    phantom_folder(tmp_path)
    return tmp_path


def _evaluate(folder, *extra):
    return run_cli("evaluate", str(folder / PHANTOM_CASE.name), "--policy", PHANTOM_POLICY, "--format", "json", *extra)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_is_bad_input_naming_the_file_and_the_tag(folder, name):
    change, named = BAD[name]
    change(folder)
    run = assert_contract(_evaluate(folder), allowed=(2,))
    assert (DOSE in run.err or STRUCTURES in run.err) and named in run.err, run.err[:500]
    assert str(folder) not in run.err.replace(str(folder / PHANTOM_CASE.name), "")


def test_a_valid_deflated_rt_dose_gives_the_same_determination(folder):
    before = without_time(assert_contract(_evaluate(folder), allowed=(0,)).json())
    _dose(folder, _deflated)
    assert without_time(assert_contract(_evaluate(folder), allowed=(0,)).json()) == before


def test_a_complex_or_object_dose_is_refused_before_any_kernel():
    from coverage_sdk.dose.geometry import DoseGrid
    from coverage_sdk.errors import InputError

    axis = np.arange(3.0)
    for dose in (np.ones((3, 3, 3)) * (1 + 1j), np.full((3, 3, 3), "a", dtype=object)):
        with pytest.raises(InputError):
            DoseGrid(dose, axis, axis, axis)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("target", [DOSE, STRUCTURES])
def test_random_byte_mutations_keep_the_contract(folder, seed, target):
    """Bytes overwritten, inserted or cut at random places in the file; any exit 0, 2 or 3."""
    rng = random.Random(seed)
    data = bytearray((folder / target).read_bytes())
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(132, len(data))
        action = rng.choice(["flip", "ff", "insert", "cut"])
        if action == "flip":
            data[at] ^= 1 << rng.randrange(8)
        elif action == "ff":
            data[at : at + 4] = b"\xff\xff\xff\xff"
        elif action == "insert":
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        else:
            del data[at : at + rng.randint(1, 4096)]
    (folder / target).write_bytes(bytes(data))
    assert_contract(_evaluate(folder))


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
@pytest.mark.parametrize("target", [DOSE, STRUCTURES])
def test_a_truncated_file_keeps_the_contract(folder, fraction, target):
    data = (folder / target).read_bytes()
    (folder / target).write_bytes(data[: int(len(data) * fraction)])
    assert_contract(_evaluate(folder), allowed=(2,))


def test_six_runs_give_byte_identical_determinations(folder):
    """Six processes deciding the phantom case from its DICOM, with 1, 2 and 8 kernel threads and
    different hash seeds: the same JSON bytes apart from ``evaluated_at``."""
    outputs = set()
    for run_number in range(6):
        env = {"COVERAGE_SDK_THREADS": str((1, 2, 8)[run_number % 3]), "PYTHONHASHSEED": str(run_number)}
        run = assert_contract(run_cli("evaluate", str(folder / PHANTOM_CASE.name), "--format", "json", env=env), allowed=(0,))
        assert any(d["summary_table"] or d["criteria"] for d in run.json())
        outputs.add(re.sub(r'"evaluated_at": "[^"]*"', '"evaluated_at": ""', run.out))
    assert len(outputs) == 1


def test_a_large_deflated_rt_dose_reads_as_its_explicit_little_endian_twin(tmp_path):
    """Pixel Data over the reader's deferral size (1 MiB), deflated: the same grid as uncompressed."""
    from coverage_sdk import read_rtdose

    x, y, z = np.arange(64.0), np.arange(64.0), np.arange(80.0)
    dose = np.add.outer(np.add.outer(z, y), x) * 0.1
    dicom.rtdose(dose, x, y, z, path=tmp_path / "plain.dcm")
    ds = dicom.dataset(tmp_path / "plain.dcm")
    _deflated(ds)
    dicom.write(ds, tmp_path / "deflated.dcm")
    plain, deflated = read_rtdose(tmp_path / "plain.dcm"), read_rtdose(tmp_path / "deflated.dcm")
    np.testing.assert_array_equal(deflated.dose, plain.dose)
    np.testing.assert_array_equal(deflated.z, plain.z)
