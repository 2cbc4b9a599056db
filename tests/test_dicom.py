"""Reading RT Dose and RT Structure Set files: the breast example and synthetic files built here."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from compiled import compiled_kernel
from repo_paths import SHARED

from coverage_sdk import _kernels
from coverage_sdk.dose import dicom
from coverage_sdk._fallback import dsparse as dsparse_twin
from coverage_sdk._fallback import pixels as pixels_twin
from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct
from coverage_sdk.errors import InputError
from coverage_sdk.testing import dicom as files
from coverage_sdk.testing.dicom import ORIENTATIONS, ROI, Contour, Encoding, Lengths, StoredDVH

BREAST = SHARED / "data" / "dicom" / "breast-example"
PATIENT = ("Secret^Patient", "ID-0042")
X = np.arange(-6.0, 6.1, 2.0)
Y = np.arange(-3.0, 3.1, 1.5)
Z = np.array([10.0, 12.5, 15.0, 17.5])


def linear_dose(x, y, z):
    return 20.0 + 0.5 * x - 0.25 * y + 0.125 * z


def rtdose(path, orientation="HFS", *, bits=32, **options) -> str:
    """An RT Dose of ``linear_dose`` on the X, Y, Z grid, stored in ``orientation``; its path."""
    zz, yy, xx = np.meshgrid(Z, Y, X, indexing="ij")
    scaling = 1e-4 if bits == 32 else 1e-3
    files.rtdose(linear_dose(xx, yy, zz), X, Y, Z, path=path, orientation=orientation, bits=bits, scaling=scaling,
                 encoding=options.pop("encoding", Encoding.IMPLICIT_LITTLE), patient=PATIENT, **options)  # fmt: skip
    return str(path)


def square(z, half=5.0, centre=(0.0, 0.0)):
    cx, cy = centre
    return [(cx - half, cy - half, z), (cx + half, cy - half, z), (cx + half, cy + half, z), (cx - half, cy + half, z)]


def rtstruct(path, rois, **options) -> str:
    files.rtstruct(rois, path=path, encoding=options.pop("encoding", Encoding.IMPLICIT_LITTLE), patient=PATIENT, **options)
    return str(path)


@pytest.fixture(params=[False, True], ids=["compiled", "pure-python"])
def kernels(request, monkeypatch):
    """Run a test with the compiled kernels and again with their numpy twins."""
    if request.param:
        monkeypatch.setenv("COVERAGE_SDK_PUREPYTHON", "1")
    return request.param


# --- RT Dose -------------------------------------------------------------------------


def test_breast_dose_geometry_and_units():
    dose = read_rtdose(BREAST / "rtdose.dcm")
    ds = files.dataset(BREAST / "rtdose.dcm")
    assert dose.dose.shape == (98, 129, 194)
    assert dose.dose.dtype == np.float32 and dose.dose.flags.c_contiguous
    np.testing.assert_allclose(dose.x[[0, -1]], [-228.6541915, -228.6541915 + 193 * 2.5])
    np.testing.assert_allclose(dose.y[[0, -1]], [-419.2444776, -419.2444776 + 128 * 2.5])
    np.testing.assert_allclose(np.diff(dose.z), 3.0)
    assert dose.z[0] == pytest.approx(-122.4407)
    np.testing.assert_array_equal(dose.dose, (ds.pixel_array * float(ds.DoseGridScaling)).astype(np.float32))


def test_breast_reference_dvhs_follow_the_standard():
    dvhs = read_rtdose(BREAST / "rtdose.dcm").reference_dvhs
    assert sorted(dvhs) == [1, 3, 4, 5, 6, 7, 8, 9, 10]
    heart = dvhs[5]
    assert (heart.dvh_type, heart.volume_units) == ("CUMULATIVE", "CM3")
    assert heart.volume_cc == pytest.approx(437.462317502643)
    np.testing.assert_allclose(np.diff(heart.edges), 0.01)
    assert heart.edges[0] == 0.0 and heart.cumulative[-1] == 0.0
    assert np.all(np.diff(heart.cumulative) <= 0)
    assert 0 < heart.dose_at_volume(95) < heart.dose_at_volume(5) < heart.edges[-1]


@pytest.mark.parametrize(
    "item",
    [
        StoredDVH(7, [1, 1, 1, 1], [10, 10, 5, 0], mean=2.0),
        StoredDVH(7, [1, 1, 1, 1], [0, 5, 5, 0], kind="DIFFERENTIAL", mean=2.0),
        StoredDVH(7, [50, 50, 50, 50], [10, 10, 5, 0], units="CGY", dose_scaling=2.0, mean=2.0),
    ],
    ids=["cumulative", "differential", "cGy-scaled"],
)
def test_stored_dvh_bins_widths_and_volumes(tmp_path, item):
    dvh = read_rtdose(rtdose(tmp_path / "dose.dcm", dvhs=[item])).reference_dvhs[7]
    np.testing.assert_allclose(dvh.edges, [0, 1, 2, 3, 4])
    np.testing.assert_allclose(dvh.cumulative, [10, 10, 5, 0, 0])
    assert dvh.volume_cc == 10
    assert dvh.mean == pytest.approx(2.0)
    assert dvh.dose_at_volume(50) == pytest.approx(2.0)
    assert dvh.dose_at_volume(75) == pytest.approx(1.5)
    assert dvh.volume_at_dose(2.5) == pytest.approx(25.0)
    assert dvh.stored_mean == pytest.approx(2.0 * (0.01 if item.units == "CGY" else 1.0))


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("bits,signed", [(32, False), (16, True)])
def test_every_axial_orientation_gives_the_same_patient_dose(tmp_path, kernels, orientation, bits, signed):
    dose = read_rtdose(rtdose(tmp_path / "dose.dcm", orientation, bits=bits, signed=signed))
    np.testing.assert_allclose(dose.x, X)
    np.testing.assert_allclose(dose.y, Y)
    np.testing.assert_allclose(dose.z, Z)
    zz, yy, xx = np.meshgrid(Z, Y, X, indexing="ij")
    np.testing.assert_allclose(dose.dose, linear_dose(xx, yy, zz), atol=1e-3 if bits == 16 else 1e-4)


@pytest.mark.parametrize("syntax", [Encoding.EXPLICIT_LITTLE, Encoding.EXPLICIT_BIG])
def test_explicit_and_big_endian_encodings_read_alike(tmp_path, syntax):
    implicit = read_rtdose(rtdose(tmp_path / "implicit.dcm", "HFP", bits=16, signed=True))
    other = read_rtdose(rtdose(tmp_path / "other.dcm", "HFP", bits=16, signed=True, encoding=syntax))
    np.testing.assert_array_equal(other.dose, implicit.dose)
    np.testing.assert_array_equal(other.x, implicit.x)


@pytest.mark.parametrize("orientation", ["HFS", "FFS"])
def test_absolute_frame_offsets_equal_relative_ones(tmp_path, orientation):
    relative = read_rtdose(rtdose(tmp_path / "relative.dcm", orientation))
    absolute = read_rtdose(rtdose(tmp_path / "absolute.dcm", orientation, absolute_offsets=True))
    np.testing.assert_array_equal(relative.z, absolute.z)
    np.testing.assert_array_equal(relative.dose, absolute.dose)


def test_centigray_is_converted_to_gray(tmp_path):
    gy = read_rtdose(rtdose(tmp_path / "gy.dcm", units="GY"))
    cgy = read_rtdose(rtdose(tmp_path / "cgy.dcm", units="CGY"))
    np.testing.assert_allclose(cgy.dose, gy.dose, rtol=1e-6)


@pytest.mark.parametrize("syntax", [Encoding.IMPLICIT_LITTLE, Encoding.EXPLICIT_BIG])
def test_a_grid_read_in_memory_equals_the_mapped_one(tmp_path, monkeypatch, syntax):
    path = rtdose(tmp_path / "dose.dcm", "FFP", encoding=syntax)
    in_memory = read_rtdose(path)
    monkeypatch.setattr("coverage_sdk.dose.dicom.DEFER_SIZE", 64)
    mapped = read_rtdose(path)
    np.testing.assert_array_equal(mapped.dose, in_memory.dose)
    np.testing.assert_array_equal(mapped.z, in_memory.z)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("defer", [64, 1 << 20], ids=["mapped", "in-memory"])
def test_a_grid_scaled_a_frame_at_a_time_equals_one_scaled_whole(tmp_path, monkeypatch, kernels, orientation, defer):
    """The stored frames are scaled a few at a time (peak memory); in every orientation, mapped
    or in memory, the result is the grid scaled in one piece."""
    path = rtdose(tmp_path / "dose.dcm", orientation, bits=32)
    whole = read_rtdose(path)
    monkeypatch.setattr("coverage_sdk.dose.dicom.DEFER_SIZE", defer)
    monkeypatch.setattr("coverage_sdk.dose.dicom.SCALE_CHUNK_BYTES", 1)
    framed = read_rtdose(path)
    np.testing.assert_array_equal(framed.dose, whole.dose)
    assert (framed.min_dose, framed.max_dose) == (whole.min_dose, whole.max_dose) == (whole.dose.min(), whole.dose.max())
    for a, b in zip((framed.x, framed.y, framed.z), (whole.x, whole.y, whole.z)):
        np.testing.assert_array_equal(a, b)


def _expect_input_error(read, path, location: str | None):
    with pytest.raises(InputError) as caught:
        read(path)
    error = caught.value
    assert error.source == str(path)
    assert error.location == location or (location and location in (error.location or ""))
    assert str(path) in str(error)
    assert PATIENT[0] not in str(error) and PATIENT[1] not in str(error) and "boost" not in str(error).lower()
    return error


def _corrupt(path: str, marker: bytes, replacement: bytes) -> str:
    """Replace a marker value in the file's bytes: pydicom will not write a malformed number."""
    with open(path, "r+b") as f:
        data = f.read().replace(marker, replacement)
        f.seek(0)
        f.write(data)
    return path


@pytest.mark.parametrize(
    "changes,location",
    [
        ({"ImageOrientationPatient": [0.866025, 0.5, 0.0, -0.5, 0.866025, 0.0]}, "(0020,0037) ImageOrientationPatient"),
        ({"ImageOrientationPatient": [1.0, 0.0, 0.0, 0.0, 0.0, 1.0]}, "(0020,0037) ImageOrientationPatient"),
        ({"PixelData": None}, "(7FE0,0010) PixelData"),
        ({"PixelData": b"\x00" * 64}, "(7FE0,0010) PixelData"),
        ({"DoseGridScaling": None}, "(3004,000E) DoseGridScaling"),
        ({"DoseGridScaling": 9.25e-4}, "(3004,000E) DoseGridScaling"),
        ({"DoseUnits": "RELATIVE"}, "(3004,0002) DoseUnits"),
        ({"GridFrameOffsetVector": [0.0, 2.5, 2.5, 7.5]}, "(3004,000C) GridFrameOffsetVector"),
        ({"GridFrameOffsetVector": [3.0, 5.5, 8.0, 10.5]}, "(3004,000C) GridFrameOffsetVector"),
        ({"GridFrameOffsetVector": [0.0, 2.5]}, "(3004,000C) GridFrameOffsetVector"),
        ({"PixelSpacing": [0.0, 2.0]}, "(0028,0030) PixelSpacing"),
        ({"ImagePositionPatient": None}, "(0020,0032) ImagePositionPatient"),
        ({"BitsAllocated": 8, "BitsStored": 8, "HighBit": 7}, "(0028,0100) BitsAllocated"),
    ],
    ids=[
        "oblique", "sagittal", "no-pixel-data", "short-pixel-data", "no-scaling", "bad-scaling",
        "relative-units", "non-monotonic-offsets", "offsets-neither-relative-nor-absolute",
        "offset-count", "zero-spacing", "no-position", "8-bit",
    ],
)
def test_bad_rtdose_is_an_input_error_naming_the_tag(tmp_path, changes, location):
    path = _corrupt(rtdose(tmp_path / "dose.dcm", changes=changes), b"0.000925", b"0.0009x5")
    _expect_input_error(read_rtdose, path, location)


def test_missing_random_truncated_and_foreign_files(tmp_path):
    _expect_input_error(read_rtdose, tmp_path / "nothing.dcm", None)
    noise = tmp_path / "noise.dcm"
    noise.write_bytes(np.random.default_rng(1).bytes(4096))
    _expect_input_error(read_rtdose, noise, None)
    _expect_input_error(read_rtstruct, noise, None)
    _expect_input_error(read_rtdose, BREAST / "ct.0.dcm", "(0008,0016) SOPClassUID")
    _expect_input_error(read_rtstruct, BREAST / "ct.0.dcm", "(0008,0016) SOPClassUID")
    _expect_input_error(read_rtdose, BREAST / "rtss.dcm", "(0008,0016) SOPClassUID")
    _expect_input_error(read_rtstruct, BREAST / "rtdose.dcm", "(0008,0016) SOPClassUID")


@pytest.mark.parametrize("name,read", [("rtdose.dcm", read_rtdose), ("rtss.dcm", read_rtstruct)])
@pytest.mark.parametrize("fraction", [0.0005, 0.01, 0.3, 0.9, 0.9999])
def test_truncated_breast_files_are_input_errors(tmp_path, name, read, fraction):
    data = (BREAST / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.source == str(path)
    assert "boost" not in str(caught.value).lower()


# --- RT Structure Set ----------------------------------------------------------------


def test_breast_structure_set():
    structures = read_rtstruct(BREAST / "rtss.dcm")
    assert list(structures) == [
        "BODY", "Areola", "Borders", "Breast", "Heart", "Lt Lung", "Nodes", "Scar", "Tumor Bed", "Tumor Bed Block",
    ]
    assert structures["Areola"].is_empty
    assert structures.markers == {}
    assert structures.by_number(5) is structures["Heart"]
    heart = structures["Heart"]
    ds = files.dataset(BREAST / "rtss.dcm")
    (item,) = [r for r in ds.ROIContourSequence if r.ReferencedROINumber == 5]
    expected = sorted(
        ((float(c.ContourData[2]), np.array(c.ContourData, dtype=float).reshape(-1, 3)[:, :2]) for c in item.ContourSequence),
        key=lambda pair: pair[0],
    )
    assert heart.z.size == len(expected) == 33
    np.testing.assert_array_equal(heart.z, [z for z, _ in expected])
    np.testing.assert_array_equal(heart.points, np.concatenate([xy for _, xy in expected]))
    assert sum(s.points.shape[0] for s in structures.values()) == 264474 // 3


def _synthetic_rois():
    hole = [(x, y, 0.0) for x, y, _ in square(0.0, half=2.0)]
    return [
        ROI(1, "Target", [square(3.0), square(0.0), hole, square(0.0, 1.0, (20.0, 0.0))]),
        ROI(2, "Empty"),
        ROI(3, "Marker", [Contour([(1.0, 2.0, 3.0)], kind="POINT")]),
        ROI(4, "Target", [square(6.0)]),
        ROI(7, "Mixed", [square(-3.0), Contour([(0.0, 0.0, 9.0)], kind="POINT")]),
    ]


@pytest.mark.parametrize(
    "syntax,lengths",
    [
        (Encoding.IMPLICIT_LITTLE, Lengths.DEFINED),
        (Encoding.EXPLICIT_LITTLE, Lengths.DEFINED),
        (Encoding.IMPLICIT_LITTLE, Lengths.NESTED_UNDEFINED),
        (Encoding.EXPLICIT_LITTLE, Lengths.NESTED_UNDEFINED),
        (Encoding.EXPLICIT_LITTLE, Lengths.UNDEFINED),
        (Encoding.EXPLICIT_BIG, Lengths.DEFINED),
    ],
)
def test_synthetic_structure_set_in_every_encoding(tmp_path, kernels, syntax, lengths):
    structures = read_rtstruct(rtstruct(tmp_path / "rtss.dcm", _synthetic_rois(), encoding=syntax, lengths=lengths))
    assert list(structures) == ["Target", "Empty", "Mixed"]
    target = structures["Target"]
    assert target.number == 1 and target.kind == "CLOSED_PLANAR"
    np.testing.assert_array_equal(target.z, [0.0, 0.0, 0.0, 3.0])
    assert len(target.contours_on(0.0)) == 3
    np.testing.assert_array_equal(target.contours_on(0.0)[1], np.array(square(0.0, half=2.0))[:, :2])
    assert structures.by_number(4).name == "Target" and structures.by_number(4).z.tolist() == [6.0]
    assert structures["Empty"].is_empty and structures["Empty"].kind == "CLOSED_PLANAR"
    marker = structures.markers["Marker"]
    assert marker.kind == "POINT" and marker.points.tolist() == [[1.0, 2.0]] and marker.z.tolist() == [3.0]
    assert structures["Mixed"].z.tolist() == [-3.0]
    with pytest.raises(KeyError):
        structures.by_number(99)


@pytest.mark.parametrize(
    "contour,location",
    [
        ([1.0, 2.0, 3.0, 4.0], "(3006,0050) ContourData"),
        ([0.0, 0.0, 1.0, 5.0, 0.0, 1.0, 5.0, 5.0, 2.0], "(3006,0050) ContourData"),
        ([1.0, 2.0, 12345.675], "(3006,0050) ContourData"),
        ([1.0, 2.0, 12345.125], "(3006,0050) ContourData"),
    ],
    ids=["not-triplets", "not-planar", "not-a-number", "nan"],
)
def test_bad_contours_are_input_errors(tmp_path, kernels, contour, location):
    path = rtstruct(tmp_path / "rtss.dcm", [ROI(1, "Target", [square(1.0), contour])])
    path = _corrupt(path, b"12345.675", b"12345.6x5")
    _expect_input_error(read_rtstruct, _corrupt(path, b"12345.125", b"nan      "), location)


def test_malformed_sequence_bytes_are_an_input_error(tmp_path):
    path = rtstruct(tmp_path / "rtss.dcm", _synthetic_rois())
    data = bytearray((tmp_path / "rtss.dcm").read_bytes())
    at = data.index(b"\xfe\xff\x00\xe0", data.index(b"\x06\x30\x39\x00"))
    data[at + 4 : at + 8] = (10**6).to_bytes(4, "little")
    (tmp_path / "rtss.dcm").write_bytes(bytes(data))
    _expect_input_error(read_rtstruct, path, "(3006,0039) ROIContourSequence")


@pytest.mark.parametrize("nested_only", [True, False], ids=["walker", "pydicom"])
def test_undefined_lengths_read_like_the_original_breast_file(tmp_path, nested_only):
    lengths = Lengths.NESTED_UNDEFINED if nested_only else Lengths.UNDEFINED
    files.write(files.dataset(BREAST / "rtss.dcm"), tmp_path / "rtss.dcm", lengths=lengths)
    reencoded = read_rtstruct(tmp_path / "rtss.dcm")
    original = read_rtstruct(BREAST / "rtss.dcm")
    assert list(reencoded) == list(original)
    for name, structure in original.items():
        np.testing.assert_array_equal(reencoded[name].points, structure.points)
        np.testing.assert_array_equal(reencoded[name].z, structure.z)


# --- the decimal-string kernel -------------------------------------------------------

_decimal = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: f"{v:.6g}"),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda v: f" {v:.16E} "),
    st.integers(-(10**25), 10**25).map(str),
)


def _encoded(spans: list[list[str]]) -> tuple[bytes, np.ndarray, np.ndarray]:
    """The DS spans joined into one buffer, and where each starts and stops."""
    texts = [("\\".join(span)).encode() for span in spans]
    stops = np.cumsum([len(t) for t in texts], dtype=np.int64)
    return b"".join(texts), stops - np.array([len(t) for t in texts], dtype=np.int64), stops


@settings(max_examples=60, deadline=None)
@given(spans=st.lists(st.lists(_decimal, max_size=12), max_size=8))
def test_compiled_parser_equals_its_twin_and_float(spans):
    compiled = compiled_kernel("_dsparse")
    buf, starts, stops = _encoded(spans)
    values, counts = compiled.parse_spans(buf, starts, stops, 2)
    twin_values, twin_counts = dsparse_twin.parse_spans(buf, starts, stops)
    expected = [float(v) for span in spans for v in span]
    np.testing.assert_array_equal(counts, [len(span) for span in spans])
    np.testing.assert_array_equal(twin_counts, counts)
    np.testing.assert_array_equal(values, expected)
    np.testing.assert_array_equal(twin_values, expected)
    assert np.array_equal(np.signbit(values), np.signbit(np.array(expected, dtype=float)))


@pytest.mark.parametrize("text", [b"1\\\\2", b"abc", b"1e", b"1 2", b"1.5\\", b"-", b".", b"--1", b"1e+"])
def test_malformed_decimal_strings_name_their_span(text):
    starts, stops = np.array([0, 0], dtype=np.int64), np.array([0, len(text)], dtype=np.int64)
    for module in {_kernels.kernel("_dsparse"), dsparse_twin}:
        for parse in (module.parse_spans, module.parse_contours):
            with pytest.raises(ValueError) as caught:
                parse(text, starts, stops)
            assert caught.value.args == (1,)


@settings(max_examples=60, deadline=None)
@given(spans=st.lists(st.lists(_decimal | st.just("1e999"), max_size=13), max_size=8))
def test_contour_parser_gives_the_triplets_of_the_span_parser(spans):
    compiled = compiled_kernel("_dsparse")
    buf, starts, stops = _encoded(spans)
    values, counts = dsparse_twin.parse_spans(buf, starts, stops)
    at = np.concatenate(([0], np.cumsum(counts)))
    triplets = [values[at[s] : at[s] + counts[s] - counts[s] % 3].reshape(-1, 3) for s in range(len(spans))]
    for module in (compiled, dsparse_twin):
        xy, found, z, finite = module.parse_contours(buf, starts, stops, 2)
        np.testing.assert_array_equal(found, counts)
        np.testing.assert_array_equal(xy, np.concatenate([t[:, :2] for t in triplets]) if spans else np.zeros((0, 2)))
        expected = [(t[0, 2], t[:, 2].min(), t[:, 2].max()) if t.size else (0.0, 0.0, 0.0) for t in triplets]
        np.testing.assert_array_equal(z, np.reshape(expected, (-1, 3)))
        assert finite == all(np.isfinite(t).all() for t in triplets)


# --- the pixel-scaling kernel --------------------------------------------------------

_views = st.sampled_from([
    lambda a: a,
    lambda a: a[::-1, ::-1],
    lambda a: a[:, :, ::-1],
    lambda a: a.transpose(0, 2, 1),
    lambda a: a.transpose(0, 2, 1)[::-1, :, ::-1],
])


@settings(max_examples=60, deadline=None)
@given(
    dtype=st.sampled_from(["u2", "i2", "u4", "i4"]),
    shape=st.tuples(st.integers(1, 5), st.integers(1, 6), st.integers(1, 7)),
    view=_views,
    factor=st.floats(1e-9, 1e3),
    seed=st.integers(0, 2**32 - 1),
)
def test_compiled_pixel_scaling_equals_its_twin(dtype, shape, view, factor, seed):
    compiled = compiled_kernel("_pixels")
    info = np.iinfo(dtype)
    stored = view(np.random.default_rng(seed).integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype))
    out, twin_out = np.empty(stored.shape), np.empty(stored.shape)
    compiled.scale(stored, factor, out, 2)
    pixels_twin.scale(stored, factor, twin_out)
    np.testing.assert_array_equal(out, stored * factor)
    np.testing.assert_array_equal(twin_out, out)


def test_a_read_dose_is_read_only_with_its_range_recorded(kernels):
    grid = read_rtdose(BREAST / "rtdose.dcm")
    assert (grid.min_dose, grid.max_dose) == (grid.dose.min(), grid.dose.max())
    with pytest.raises(ValueError):
        grid.dose[0, 0, 0] = 1e6
    with pytest.raises(ValueError):
        grid.dose.flags.writeable = True


@pytest.mark.parametrize("stored,factor", [
    (np.zeros((2, 2, 2), dtype=">u4"), 1.0),
    (np.zeros((2, 2, 2), dtype=np.float64), 1.0),
    (np.zeros((2, 2, 2), dtype=np.uint8), 1.0),
    (np.zeros((2, 2), dtype=np.uint16), 1.0),
    (np.zeros((0, 2, 2), dtype=np.uint16), 1.0),
    (np.zeros((2, 2, 2), dtype=np.uint16), 0.0),
    (np.zeros((2, 2, 2), dtype=np.uint16), float("inf")),
])
def test_pixel_scaling_refuses_what_the_kernel_cannot_take(stored, factor):
    with pytest.raises(ValueError):
        dicom._dose(stored, factor)


# --- the test-file writer ------------------------------------------------------------


def test_the_writer_returns_the_bytes_it_writes_and_repeats_itself(tmp_path):
    zz, yy, xx = np.meshgrid(Z, Y, X, indexing="ij")
    written = files.rtdose(linear_dose(xx, yy, zz), X, Y, Z, path=tmp_path / "dose.dcm")
    assert written == (tmp_path / "dose.dcm").read_bytes() == files.rtdose(linear_dose(xx, yy, zz), X, Y, Z)
    target = read_rtstruct(rtstruct(tmp_path / "rtss.dcm", _synthetic_rois()))["Target"]
    again = read_rtstruct(rtstruct(tmp_path / "again.dcm", [ROI.from_structure(target)]))["Target"]
    for name in ("points", "offsets", "z"):
        np.testing.assert_array_equal(getattr(again, name), getattr(target, name))


def test_the_writer_refuses_doses_its_integers_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match="do not fit"):
        files.rtdose(np.full((Z.size, Y.size, X.size), 1e3), X, Y, Z, bits=16, scaling=1e-3)


@pytest.mark.parametrize("encoding", list(Encoding), ids=lambda e: e.name)
@pytest.mark.parametrize("lengths", list(Lengths), ids=lambda x: x.name)
def test_each_roi_keeps_its_display_colour_and_interpreted_type(tmp_path, encoding, lengths):
    square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    contours = [[(x, y, z) for x, y in square] for z in (0.0, 2.0)]
    rois = [ROI(1, "PTV", contours, (255, 0, 0), "PTV"), ROI(2, "Heart", contours, (0, 128, 255), "ORGAN"),
            ROI(3, "Empty", (), (1, 2, 3), "AVOIDANCE")]  # fmt: skip
    path = tmp_path / "rtss.dcm"
    files.rtstruct(rois, path=path, encoding=encoding, lengths=lengths)
    read = read_rtstruct(path)
    assert {name: (s.colour, s.interpreted_type) for name, s in read.items()} == {
        "PTV": ((255, 0, 0), "PTV"), "Heart": ((0, 128, 255), "ORGAN"), "Empty": ((1, 2, 3), "AVOIDANCE"),
    }  # fmt: skip


# --- ROI items read from the encoded sequence ----------------------------------------

_TEXT_BYTES = st.binary(max_size=20) | st.text("ABCZaz09_ +-.\\é\x00", max_size=70).map(lambda t: t.encode("utf-8"))


def _normalised(read, vr):
    """A value as the reader uses it: an ROI number, or stripped text; the error it raises."""
    try:
        value = read()
        if vr == "IS":
            return int(value)
        return str(value or "").strip().upper() if vr == "CS" else str(value or "").strip()
    except (TypeError, ValueError) as exc:
        return type(exc).__name__


@settings(max_examples=300, deadline=None)
@given(value=_TEXT_BYTES, vr=st.sampled_from(["LO", "CS", "IS"]), charset=st.sampled_from([None, "ISO_IR 100", "ISO_IR 192"]))
def test_roi_item_values_read_as_pydicom_reads_them(value, vr, charset):
    import warnings

    import pydicom
    from pydicom.dataelem import RawDataElement, convert_raw_data_element
    from pydicom.tag import BaseTag

    tag = {"LO": 0x30060026, "CS": 0x300600A4, "IS": 0x30060084}[vr]
    ds = pydicom.Dataset()
    if charset:
        ds.SpecificCharacterSet = charset
    ds.set_original_encoding(True, True)
    raw = RawDataElement(BaseTag(tag), None, len(value), value, 0, True, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _normalised(lambda: convert_raw_data_element(raw, encoding=ds._character_set).value, vr)
        assert _normalised(lambda: dicom._item_value(ds, value, [0, 0, len(value)], tag, vr), vr) == expected


@pytest.mark.parametrize("module", ["compiled", "twin"])
def test_the_sequence_walker_refuses_spans_outside_the_buffer(module):
    walker = compiled_kernel("_dsparse") if module == "compiled" else dsparse_twin
    tags = np.array([0x30060084], dtype=np.uint32)
    for starts, stops in (([0], [9]), ([-1], [2]), ([3], [2]), ([0, 0], [8])):
        with pytest.raises(ValueError):
            walker.sequence_items(b"\xfe\xff\x00\xe0\x00\x00\x00\x00", np.array(starts), np.array(stops), True, tags, 16)
    rows, owners = walker.sequence_items(b"\xfe\xff\x00\xe0\x00\x00\x00\x00", np.array([0]), np.array([8]), True, tags, 16)
    assert rows.tolist() == [[[-1, -1, -1]]] and owners.tolist() == [0]


def test_sequences_encoded_as_un_are_read_by_pydicom(tmp_path):
    """Explicit VR files may carry a sequence as UN, its items in implicit VR (PS3.5 6.2.2)."""
    import io
    import struct

    import pydicom

    rois = [ROI(1, "A", [square(1.0)], (1, 2, 3), "PTV"), ROI(2, "B", [square(2.0)], (4, 5, 6), "ORGAN")]
    implicit = pydicom.dcmread(io.BytesIO(files.rtstruct(rois, encoding=Encoding.IMPLICIT_LITTLE)))
    explicit = files.dataset(io.BytesIO(files.rtstruct(rois, encoding=Encoding.EXPLICIT_LITTLE)))
    tags = (0x30060020, 0x30060039, 0x30060080)
    for tag in [t for t in explicit.keys() if int(t) >= tags[0]]:
        del explicit[tag]
    encoded = b"".join(
        struct.pack("<HH4sI", tag >> 16, tag & 0xFFFF, b"UN\0\0", len(implicit.get_item(tag).value)) + implicit.get_item(tag).value
        for tag in tags
    )
    read = read_rtstruct(files.write(explicit) + encoded)
    expected = read_rtstruct(rtstruct(tmp_path / "rtss.dcm", rois))
    assert list(read) == list(expected) == ["A", "B"]
    for name, structure in expected.items():
        assert (read[name].colour, read[name].interpreted_type) == (structure.colour, structure.interpreted_type)
        np.testing.assert_array_equal(read[name].points, structure.points)
