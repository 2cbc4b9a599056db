"""The README's table "Bad input: what a host gets", one test per row: the exception or the
determination, its ``location`` and ``source``; where the CLI takes the same input, it exits 2
with the same message (issue 12, one error model)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil

import numpy as np
import pytest

import coverage_sdk as cs
from coverage_sdk.dose import inputs
from coverage_sdk.dose.geometry import DoseGrid, Structure
from coverage_sdk.testing import dicom as writer
from repo_paths import EXAMPLES, REPO

CASE = "bcbsnc-femur-phantom-dicom.json"
POLICY = "bcbsnc-imrt-extremity-sarcoma"
DOSE, STRUCTURES = "phantom/rtdose-3dcrt.dcm", "phantom/rtstruct.dcm"
PLAN_DOSE = "radiation.plans[0].dicom.rtdose"
GOOD = json.loads((EXAMPLES / "bcbsma-rectal-t4-close-margins.json").read_text())
AXIS = np.arange(6.0)
SQUARE = np.array([[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [1.0, 3.0]])
INSIDE = Structure.from_contours("Inside", 1, [(1.0, SQUARE), (2.0, SQUARE)])


def grid(dose=None, x=AXIS):
    return DoseGrid(np.ones((6, 6, 6)) if dose is None else dose, x, AXIS, AXIS)


@pytest.fixture
def folder(tmp_path):
    """The femur phantom case with its DICOM, in a folder of its own."""
    shutil.copy(EXAMPLES / CASE, tmp_path / CASE)
    shutil.copytree(EXAMPLES / "phantom", tmp_path / "phantom")
    return tmp_path


def _truncated(path):
    return path.read_bytes()[: path.stat().st_size // 2]


# --- case JSON: load_case / structure_case; CLI validate and evaluate ---------------------------

CASE_JSON = {
    "json-malformed": (json.dumps(GOOD)[:57], None, None),
    "json-unknown-field": (json.dumps({**GOOD, "tumour": {}}), "tumour", "/tumour"),
    "json-bad-enum": (json.dumps({**GOOD, "setting": "office"}), "setting", "/setting"),
    "json-out-of-bounds": (json.dumps({**GOOD, "procedures": [{"code": "77425", "units": -1}]}), "procedures[0].units", "/procedures/0/units"),
    "json-duplicate-key": ('{"setting": "inpatient", ' + json.dumps(GOOD)[1:], "setting", None),
    "json-not-object": ("[]", "$", ""),
    "path-outside-folder": (json.dumps({**json.loads((EXAMPLES / CASE).read_text()), "radiation": {"plans": [
        {"label": "x", "technique": "imrt", "dicom": {"rtdose": "../rtdose.dcm", "rtstruct": STRUCTURES}}]}}), PLAN_DOSE,
        "/radiation/plans/0/dicom/rtdose"),
}  # fmt: skip


@pytest.mark.parametrize("row", sorted(CASE_JSON))
def test_case_json_is_an_input_error_at_its_json_path(tmp_path, cli, row):
    text, location, pointer = CASE_JSON[row]
    path = tmp_path / "case.json"
    path.write_text(text)
    with pytest.raises(cs.InputError) as raised:
        cs.load_case(path)
    error = raised.value
    assert (error.source, error.location, error.pointer) == (str(path), location, pointer)
    assert not error.problems
    for command in ("validate", "evaluate"):
        assert cli(command, str(path))[::2] == (2, f"error: {error}\n")


def test_json_several_faults_are_one_input_error_with_each_problem(tmp_path, cli):
    path = tmp_path / "case.json"
    path.write_text(json.dumps({**GOOD, "setting": "office", "tumour": {}}))
    with pytest.raises(cs.InputError) as raised:
        cs.load_case(path)
    error = raised.value
    assert error.location is None and error.source == str(path)
    assert [(p.location, p.pointer, p.source) for p in error.problems] == [("setting", "/setting", str(path)), ("tumour", "/tumour", str(path))]
    assert cli("validate", str(path))[::2] == (2, f"error: {error}\n")


# --- DICOM named by a case: a problem of the folder, or a determination -------------------------


def test_path_symlink_out_is_an_input_error_before_any_policy(folder, tmp_path_factory, cli):
    outside = tmp_path_factory.mktemp("outside") / "rtdose.dcm"
    shutil.copy(folder / DOSE, outside)
    (folder / DOSE).unlink()
    os.symlink(outside, folder / DOSE)
    case = cs.load_case(folder / CASE)
    with pytest.raises(cs.InputError) as raised:
        cs.evaluate(case)
    assert (raised.value.location, raised.value.source) == (PLAN_DOSE, DOSE)
    assert cli("evaluate", str(folder / CASE))[::2] == (2, f"error: {folder / CASE}: {raised.value}\n")


def _determination_row(case, expected_location, cli=None, path=None):
    [det] = cs.evaluate(case, policies=[POLICY])
    assert det.outcome is cs.Outcome.INSUFFICIENT_INFORMATION and det.requires_clinical_review
    assert det.error.startswith(f"InputError: {DOSE}: {expected_location}: ")
    assert [m.field for m in det.missing_information] == [expected_location]
    if cli is not None:
        code, _, err = cli("evaluate", "--policy", POLICY, str(path))
        assert code == 2 and f"error: {path}: policy {POLICY}: {det.error}\n" in err
    return det


def test_path_missing_is_a_determination_naming_the_file(folder, cli):
    (folder / DOSE).unlink()
    det = _determination_row(cs.load_case(folder / CASE), PLAN_DOSE, cli, folder / CASE)
    assert det.error.endswith("no such file")


def test_path_corrupt_is_a_determination_naming_the_file_and_the_tag(folder, cli):
    (folder / DOSE).write_bytes(_truncated(folder / DOSE))
    _determination_row(cs.load_case(folder / CASE), f"{PLAN_DOSE} (7FE0,0010) PixelData", cli, folder / CASE)


def test_bytes_in_case_is_the_same_determination_as_the_file(folder):
    files = {name: (EXAMPLES / name).read_bytes() for name in (DOSE, "phantom/rtdose-imrt.dcm", STRUCTURES)}
    files[DOSE] = _truncated(EXAMPLES / DOSE)
    held = _determination_row(cs.structure_case(json.loads((folder / CASE).read_text()), files=files), f"{PLAN_DOSE} (7FE0,0010) PixelData")
    (folder / DOSE).write_bytes(files[DOSE])
    [on_disk] = cs.evaluate(cs.load_case(folder / CASE), policies=[POLICY])
    assert held.error == on_disk.error


# --- DICOM read directly: read_rtdose / read_rtstruct; CLI dvh --------------------------------


def _no_scaling(path):
    ds = writer.dataset(EXAMPLES / DOSE)
    del ds.DoseGridScaling
    writer.write(ds, path)


DIRECT = {
    "path-missing-direct": (lambda p: None, None, "no such file"),
    "path-not-dicom": (lambda p: p.write_bytes(os.urandom(4096)), None, "not a DICOM file"),
    "path-bad-tag": (_no_scaling, "(3004,000E) DoseGridScaling", "is missing or empty"),
}


@pytest.mark.parametrize("row", sorted(DIRECT))
def test_dicom_path_read_directly_is_an_input_error_naming_the_path(tmp_path, cli, row):
    make, location, message = DIRECT[row]
    path = tmp_path / "rtdose.dcm"
    make(path)
    with pytest.raises(cs.InputError) as raised:
        cs.read_rtdose(path)
    assert (raised.value.source, raised.value.location) == (str(path), location) and message in raised.value.message
    assert cli("dvh", "--dose", str(path), "--structures", str(EXAMPLES / STRUCTURES))[::2] == (2, f"error: {raised.value}\n")


BYTES = {
    "bytes-corrupt": (b"MZ" + bytes(range(256)) * 4, None),
    "bytes-truncated": (_truncated(EXAMPLES / DOSE), "(7FE0,0010) PixelData"),
}


@pytest.mark.parametrize("row", sorted(BYTES))
def test_dicom_bytes_are_an_input_error_named_by_the_host(tmp_path, row):
    data, location = BYTES[row]
    for given, source, expected in ((data, None, "<bytes>"), (io.BytesIO(data), "attachment 2", "attachment 2")):
        with pytest.raises(cs.InputError) as raised:
            cs.read_rtdose(given, source=source)
        assert (raised.value.source, raised.value.location) == (expected, location)
    (tmp_path / "same.dcm").write_bytes(data)
    with pytest.raises(cs.InputError) as from_file:
        cs.read_rtdose(tmp_path / "same.dcm")
    assert from_file.value.message == raised.value.message


def test_bytes_too_large_is_refused_before_all_is_read(monkeypatch):
    monkeypatch.setattr(inputs, "MAX_DICOM_BYTES", 1 << 16)
    with pytest.raises(cs.InputError, match="is larger than") as raised:
        cs.read_rtstruct(io.BytesIO(bytes(1 << 17)))
    assert (raised.value.source, raised.value.location) == ("<file object>", None)


# --- dose grids and structures built in Python ---------------------------------------------------

GRIDS = {
    "grid-bad-shape": (lambda: grid(np.ones((6, 6))), "DoseGrid.dose"),
    "grid-shape-mismatch": (lambda: grid(np.ones((5, 6, 6))), "DoseGrid.dose"),
    "grid-bad-dtype": (lambda: grid(np.full((6, 6, 6), "a")), "DoseGrid.dose"),
    "grid-nan": (lambda: grid(np.full((6, 6, 6), np.nan)), "DoseGrid.dose"),
    "grid-axis": (lambda: grid(x=AXIS[::-1]), "DoseGrid.x"),
    "grid-negative": (lambda: cs.compute_dvh(grid(-np.ones((6, 6, 6))), INSIDE), "DoseGrid.dose"),
    "structure-bad-contour": (lambda: Structure("Bad", 1, np.array([[np.nan, 0.0]]), [0, 1], [0.0]), "Structure.points"),
    "structure-not-closed": (lambda: cs.compute_dvh(grid(), Structure.from_contours("P", 1, [(1.0, SQUARE)], kind="POINT")), "Structure.kind"),
    "structure-empty": (lambda: cs.bone_circumference(grid(), Structure.from_contours("E", 1, [])), "Structure.points"),
}


@pytest.mark.parametrize("row", sorted(GRIDS))
def test_a_bad_grid_or_structure_is_an_input_error_at_its_field(row):
    make, location = GRIDS[row]
    with pytest.raises(cs.InputError) as raised:
        make()
    assert raised.value.location == location and raised.value.source is None


def test_structure_partly_outside_is_a_dvh_of_the_part_inside():
    half = Structure.from_contours("Half", 1, [(1.0, SQUARE + 4.0), (2.0, SQUARE + 4.0)])
    dvh = cs.compute_dvh(grid(), half)
    assert dvh.outside_grid and 0 < dvh.volume_outside_cc and 0 < dvh.volume_cc
    assert dvh.statistic("Dmax") == 1.0


def test_structure_wholly_outside_is_a_dvh_of_no_volume_and_in_a_case_bad_input(folder):
    far = Structure.from_contours("Far", 1, [(1.0, SQUARE + 100.0), (2.0, SQUARE + 100.0)])
    dvh = cs.compute_dvh(grid(), far)
    assert dvh.volume_cc == 0 and dvh.volume_outside_cc > 0 and np.isnan(dvh.statistic("D95"))
    ds = writer.dataset(folder / STRUCTURES)
    for roi in ds.ROIContourSequence:
        for contour in roi.ContourSequence:
            contour.ContourData = [f"{v + 5000:.6g}" if i % 3 == 0 else f"{v:.6g}" for i, v in enumerate(contour.ContourData)]
    writer.write(ds, folder / STRUCTURES)
    [det] = cs.evaluate(cs.load_case(folder / CASE), policies=[POLICY])
    assert det.outcome is cs.Outcome.INSUFFICIENT_INFORMATION and "wholly outside the dose grid" in det.error


# --- wrong Python types: a TypeError saying what to pass ------------------------------------------


def _case():
    return cs.load_case(EXAMPLES / "bcbsma-colon-recurrent.json")


TYPES = {
    "type-evaluate-case": (lambda: cs.evaluate(GOOD), "takes a coverage_sdk.Case (from load_case or structure_case), not dict"),
    "type-evaluate-policies": (lambda: cs.evaluate(_case(), policies="bcbsma-278-iort"), "policies is a list of policy ids"),
    "type-evaluate-host": (lambda: cs.evaluate(_case(), host="default"), "host is a coverage_sdk.PluginHost"),
    "type-load-case": (lambda: cs.load_case(GOOD), "load_case() takes the path of a case JSON file"),
    "type-case-files": (lambda: cs.structure_case(GOOD, files=[b"DICM"]), "files maps each name"),
    "type-read-dicom": (lambda: cs.read_rtstruct(42), "read_rtstruct() takes a path (str or os.PathLike), bytes"),
    "type-read-dicom-text": (lambda: cs.read_rtdose(io.StringIO("DICM")), "open the file with 'rb'"),
    "type-dose-grid": (lambda: cs.compute_dvh(np.ones((6, 6, 6)), INSIDE), "dose must be a DoseGrid"),
    "type-structure": (lambda: cs.bone_circumference(grid(), "Femur_L"), "structure must be a Structure"),
    "type-constraint": (lambda: cs.parse_constraint(54), "takes a constraint as a string"),
    "type-organ": (lambda: cs.published_constraints(None), "takes an organ name as a string"),
    "type-metric": (lambda: cs.compute_dvh(grid(), INSIDE).statistic(95), "a metric is a string"),
    "type-threads": (lambda: cs.compute_dvh(grid(), INSIDE, threads="2"), "threads is a number of threads"),
}


@pytest.mark.parametrize("row", sorted(TYPES))
def test_a_wrong_python_type_is_a_type_error_saying_what_to_pass(row):
    call, says = TYPES[row]
    with pytest.raises(TypeError) as raised:
        call()
    assert says in str(raised.value) and not isinstance(raised.value, cs.CoverageSDKError)


# --- the README table and these tests are one list -----------------------------------------------

TESTED = {
    *CASE_JSON, *DIRECT, *BYTES, *GRIDS, *TYPES, "json-several", "path-symlink-out", "path-missing", "path-corrupt",
    "bytes-in-case", "bytes-too-large", "structure-partly-outside", "structure-wholly-outside",
}  # fmt: skip


def test_every_row_of_the_readme_table_is_tested_and_every_test_is_a_row():
    text = (REPO / "README.md").read_text()
    table = text[text.index("### Bad input: what a host gets") :].split("\n\n| ", 1)[1].split("\n\n", 1)[0]
    rows = {m.group(1) for line in table.splitlines()[2:] for m in [re.match(r"\| `([a-z-]+)` \|", line)] if m}
    assert rows == TESTED
