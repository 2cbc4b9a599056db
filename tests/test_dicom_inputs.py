"""DICOM as a path, bytes or a binary file object: the same reading, the same limits, errors
named by the path or by the host's name, never by the content (issue 12, Embedding)."""

from __future__ import annotations

import io
import json

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import coverage_sdk as cs
from coverage_sdk.dose import dicom as reader
from coverage_sdk.dose import inputs
from coverage_sdk.testing import dicom as writer
from repo_paths import EXAMPLES, SHARED

BREAST = SHARED / "data" / "dicom" / "breast-example"
PHANTOM_CASE = EXAMPLES / "bcbsnc-femur-phantom-dicom.json"
DOSE_3D, STRUCTURES = "phantom/rtdose-3dcrt.dcm", "phantom/rtstruct.dcm"


WAYS = {
    "path": (lambda path: path, None),
    "str": (str, None),
    "bytes": (lambda path: path.read_bytes(), "<bytes>"),
    "bytearray": (lambda path: bytearray(path.read_bytes()), "<bytes>"),
    "memoryview": (lambda path: memoryview(path.read_bytes()), "<bytes>"),
    "BytesIO": (lambda path: io.BytesIO(path.read_bytes()), "<file object>"),
    "open file": (lambda path: open(path, "rb"), "<file object>"),  # noqa: SIM115 - closed by the test
}
"""Each kind of input the readers take, made from a path, with the source it gets by default (None: the path)."""


@pytest.mark.parametrize("way", sorted(WAYS))
def test_every_kind_of_input_reads_the_same_dose_and_structures(way):
    expected_dose = cs.read_rtdose(BREAST / "rtdose.dcm")
    expected_structures = cs.read_rtstruct(BREAST / "rtss.dcm")
    make, source = WAYS[way]
    dose_input, structures_input = make(BREAST / "rtdose.dcm"), make(BREAST / "rtss.dcm")
    dose, structures = cs.read_rtdose(dose_input), cs.read_rtstruct(structures_input)
    for made in (dose_input, structures_input):
        if hasattr(made, "close"):
            made.close()
    assert np.array_equal(dose.dose, expected_dose.dose) and not dose.dose.flags.writeable
    assert all(np.array_equal(getattr(dose, a), getattr(expected_dose, a)) for a in "xyz")
    assert len(dose.reference_dvhs) == len(expected_dose.reference_dvhs)
    assert list(structures) == list(expected_structures)
    assert all(np.array_equal(structures[n].points, expected_structures[n].points) for n in structures)
    assert (dose.source, structures.source) == ((source, source) if source else (str(BREAST / "rtdose.dcm"), str(BREAST / "rtss.dcm")))


def test_a_file_object_is_read_from_its_position():
    data = (BREAST / "rtss.dcm").read_bytes()
    stream = io.BytesIO(b"junk before the file" + data)
    stream.seek(len(b"junk before the file"))
    assert list(cs.read_rtstruct(stream)) == list(cs.read_rtstruct(data))


def test_a_bytearray_is_copied_so_the_host_may_reuse_its_buffer():
    buffer = bytearray((BREAST / "rtdose.dcm").read_bytes())
    dose = cs.read_rtdose(buffer)
    expected = dose.dose.copy()
    buffer[:] = bytes(len(buffer))
    assert np.array_equal(dose.dose, expected)


def test_the_host_names_the_input_in_errors_and_the_content_never_appears():
    data = b"\0" * 128 + b"DICM" + b"Smith^Jane MRN 0012345 " * 10
    with pytest.raises(cs.InputError) as named:
        cs.read_rtdose(data, source="attachment 3")
    with pytest.raises(cs.InputError) as unnamed:
        cs.read_rtdose(io.BytesIO(data))
    assert named.value.source == "attachment 3" and str(named.value).startswith("attachment 3: ")
    assert unnamed.value.source == "<file object>"
    for error in (named.value, unnamed.value):
        assert "Smith" not in str(error) and "0012345" not in str(error)


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.999])
@pytest.mark.parametrize("name, read", [("rtdose.dcm", cs.read_rtdose), ("rtss.dcm", cs.read_rtstruct)])
def test_truncated_bytes_fail_as_the_truncated_file_does(tmp_path, name, read, cut):
    data = (BREAST / name).read_bytes()
    data = data[: int(len(data) * cut)]
    (tmp_path / name).write_bytes(data)
    with pytest.raises(cs.InputError) as from_file:
        read(tmp_path / name)
    with pytest.raises(cs.InputError) as from_bytes:
        read(data)
    assert from_bytes.value.source == "<bytes>"
    assert (from_bytes.value.location, from_bytes.value.message) == (from_file.value.location, from_file.value.message)


@pytest.mark.parametrize("value, says", [(42, "not int"), ({"rtdose": "x"}, "not dict"), (np.zeros(4, np.uint8), "not ndarray")])
def test_a_wrong_type_is_a_type_error_saying_what_to_pass(value, says):
    for read in (cs.read_rtdose, cs.read_rtstruct):
        with pytest.raises(TypeError, match="a path .*bytes.* binary file object") as raised:
            read(value)
        assert says in str(raised.value) and read.__name__ in str(raised.value)


def test_a_text_mode_file_and_a_bad_source_are_type_errors(tmp_path):
    (tmp_path / "f.dcm").write_bytes(b"x")
    with open(tmp_path / "f.dcm", encoding="latin-1") as text, pytest.raises(TypeError, match="'rb'"):
        cs.read_rtdose(text)
    with pytest.raises(TypeError, match="'rb'"):
        cs.read_rtdose(io.StringIO("DICM"))
    with pytest.raises(TypeError, match="source names the input"):
        cs.read_rtdose(b"", source=3)


class _Endless(io.RawIOBase):
    """A stream that never ends, counting what it gave."""

    given = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = bytes(len(buffer))
        self.given += len(buffer)
        return len(buffer)


def test_the_size_limit_holds_for_bytes_and_stops_a_file_object_early(monkeypatch):
    monkeypatch.setattr(inputs, "MAX_DICOM_BYTES", 1 << 20)
    monkeypatch.setattr(inputs, "READ_CHUNK_BYTES", 1 << 16)
    with pytest.raises(cs.InputError, match="larger than"):
        cs.read_rtdose(bytes((1 << 20) + 1))
    stream = _Endless()
    with pytest.raises(cs.InputError, match="larger than") as raised:
        cs.read_rtdose(stream)
    assert raised.value.source == "<file object>"
    assert stream.given <= (1 << 20) + (1 << 16)


def test_the_deflate_bound_holds_for_bytes(monkeypatch):
    ds = writer.dataset(EXAMPLES / DOSE_3D)
    ds.file_meta.TransferSyntaxUID = reader.DEFLATED
    data = writer.write(ds)
    assert np.array_equal(cs.read_rtdose(data).dose, cs.read_rtdose(EXAMPLES / DOSE_3D).dose)
    monkeypatch.setattr(reader, "MAX_INFLATED_BYTES", 4096)
    for deflated in (data, io.BytesIO(data)):
        with pytest.raises(cs.InputError, match="inflates to more than") as raised:
            cs.read_rtdose(deflated)
        assert raised.value.location == "(0002,0010) TransferSyntaxUID"


# --- a Case holding its DICOM in memory -----------------------------------------------------


def _phantom_files(kind):
    names = (DOSE_3D, "phantom/rtdose-imrt.dcm", STRUCTURES)
    if kind == "paths":
        return {name: EXAMPLES / name for name in names}
    return {name: (EXAMPLES / name).read_bytes() if kind == "bytes" else io.BytesIO((EXAMPLES / name).read_bytes()) for name in names}


@pytest.mark.parametrize("kind", ["bytes", "file objects", "paths"])
def test_a_case_with_its_dicom_in_memory_is_decided_as_from_its_folder(kind):
    from_folder = cs.load_case(PHANTOM_CASE)
    data = json.loads(PHANTOM_CASE.read_text())
    in_memory = cs.structure_case(data, files=_phantom_files(kind))
    assert in_memory.base_dir is None and sorted(in_memory.files) == sorted(_phantom_files("paths"))
    expected = cs.evaluate(from_folder, evaluated_at="2026-01-01T00:00:00+00:00")
    got = cs.evaluate(in_memory, evaluated_at="2026-01-01T00:00:00+00:00")
    assert [cs.unstructure(d) for d in got] == [cs.unstructure(d) for d in expected]
    assert any("DICOM" in json.dumps(cs.unstructure(d)) for d in got)


def test_a_case_with_files_serialises_as_its_json_and_reads_back_without_them():
    """The JSON contract stays paths: the files are not in the JSON (as base_dir is not); the
    audit hash is the same as for the case read from its folder."""
    data = json.loads(PHANTOM_CASE.read_text())
    case = cs.structure_case(data, files=_phantom_files("bytes"))
    assert cs.unstructure(case) == cs.unstructure(cs.load_case(PHANTOM_CASE))
    back = cs.structure_case(cs.unstructure(case))
    assert back == case and back.files is None
    assert attrs.evolve(back, files=case.files).files is case.files


def test_a_name_missing_from_the_files_is_bad_input_at_its_json_path():
    data = json.loads(PHANTOM_CASE.read_text())
    files = {k: v for k, v in _phantom_files("bytes").items() if k != DOSE_3D}
    [det] = cs.evaluate(cs.structure_case(data, files=files), policies=["bcbsnc-imrt-extremity-sarcoma"])
    assert det.error == f"InputError: {DOSE_3D}: radiation.plans[0].dicom.rtdose: no such file among the case's files"


def test_corrupt_bytes_in_a_case_name_the_file_the_json_path_and_the_tag():
    data = json.loads(PHANTOM_CASE.read_text())
    files = _phantom_files("bytes")
    files[DOSE_3D] = files[DOSE_3D][: len(files[DOSE_3D]) // 2]
    [det] = cs.evaluate(cs.structure_case(data, files=files), policies=["bcbsnc-imrt-extremity-sarcoma"])
    assert det.outcome is cs.Outcome.INSUFFICIENT_INFORMATION
    assert det.error.startswith(f"InputError: {DOSE_3D}: radiation.plans[0].dicom.rtdose (7FE0,0010) PixelData: ")


def test_files_of_a_wrong_type_are_type_errors():
    data = json.loads(PHANTOM_CASE.read_text())
    with pytest.raises(TypeError, match="maps each name"):
        cs.structure_case(data, files=[b"DICM"])
    with pytest.raises(TypeError, match="each name is a str"):
        cs.structure_case(data, files={0: b"DICM"})
    with pytest.raises(TypeError, match=r"Case\(files=...\) takes a path"):
        cs.structure_case(data, files={DOSE_3D: 3.5})


def test_each_copy_of_a_case_shares_its_files_and_reads_a_plan_once(monkeypatch):
    from coverage_sdk.dose import plan_values

    reads = []
    original = plan_values.PlanDose.read
    monkeypatch.setattr(plan_values.PlanDose, "read", classmethod(lambda cls, *a: reads.append(a[0]) or original(*a)))
    case = cs.structure_case(json.loads(PHANTOM_CASE.read_text()), files=_phantom_files("bytes"))
    cs.evaluate(case)
    cs.evaluate(case)
    assert sorted(reads) == sorted(p.label for p in case.radiation.plans)


def _outcome(read, given):
    try:
        result = read(given)
    except cs.InputError as exc:
        return ("InputError", exc.location, exc.message)
    if isinstance(result, cs.DoseGrid):
        return ("grid", result.dose.tobytes(), result.x.tobytes(), result.y.tobytes(), result.z.tobytes())
    return ("structures", sorted((name, s.points.tobytes(), s.z.tobytes()) for name, s in result.items()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from([DOSE_3D, STRUCTURES]),
    cut=st.none() | st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(0, 255)), max_size=8),
)
def test_mutated_dicom_reads_alike_from_a_file_and_from_bytes(tmp_path, name, cut, flips):
    """Whatever the bytes, a file, its bytes and a file object over them give the same grid or the same InputError."""
    data = bytearray((EXAMPLES / name).read_bytes())
    for at, value in flips:
        data[int(at * len(data))] = value
    data = bytes(data[: int(cut * len(data))] if cut is not None else data)
    (tmp_path / "mutated.dcm").write_bytes(data)
    read = cs.read_rtdose if name == DOSE_3D else cs.read_rtstruct
    from_file = _outcome(read, tmp_path / "mutated.dcm")
    assert _outcome(read, data) == from_file
    assert _outcome(read, io.BytesIO(data)) == from_file
