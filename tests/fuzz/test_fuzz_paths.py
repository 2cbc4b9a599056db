"""A case's DICOM paths resolve inside its folder; nothing outside is opened (issue 18, paths)."""

from __future__ import annotations

import json
import os

import pytest

from fuzz.contract import PHANTOM_POLICY, OpenWatch, assert_contract, phantom_case, phantom_folder, run_cli


@pytest.fixture
def layout(tmp_path):
    """``tmp_path/host/secret`` (a FIFO watched for readers) and ``tmp_path/host/case/`` (the phantom case)."""
    host = tmp_path / "host-Doe^Jane"
    case_dir = host / "case"
    phantom_folder(case_dir)
    return host, case_dir


ESCAPES = {
    "absolute": lambda host, case_dir: str(host / "secret"),
    "dot-dot": lambda host, case_dir: "../secret",
    "dot-dot inside": lambda host, case_dir: "phantom/../../secret",
    "backslash dot-dot": lambda host, case_dir: "..\\secret",
    "symlink out": lambda host, case_dir: _link(case_dir / "link.dcm", host / "secret"),
    "symlinked folder out": lambda host, case_dir: _link(case_dir / "up", host) + "/secret",
}


def _link(link, target) -> str:
    os.symlink(target, link)
    return link.name


@pytest.mark.parametrize("escape", sorted(ESCAPES))
@pytest.mark.parametrize("field", ["rtdose", "rtstruct"])
def test_a_path_leaving_the_case_folder_is_bad_input_and_nothing_outside_is_opened(layout, escape, field):
    host, case_dir = layout
    with OpenWatch(host / "secret") as watch:
        path = ESCAPES[escape](host, case_dir)
        case = case_dir / "case.json"
        case.write_text(json.dumps(phantom_case(**{field: path})))
        run = assert_contract(run_cli("evaluate", str(case), "--format", "json"), allowed=(2,))
    assert not watch.opened.is_set(), f"{path} was opened"
    assert f"radiation.plans[0].dicom.{field}" in run.err
    assert str(case_dir) not in run.err.replace(str(case), "") and "Doe^Jane" not in run.err.replace(str(case), "")


def test_an_outside_dicom_file_gives_no_dose_statistics(layout):
    """The real RT Dose one folder up, named through a symbolic link: refused, not measured."""
    host, case_dir = layout
    (host / "rtdose.dcm").write_bytes((case_dir / "phantom" / "rtdose-3dcrt.dcm").read_bytes())
    _link(case_dir / "dose.dcm", host / "rtdose.dcm")
    case = case_dir / "case.json"
    case.write_text(json.dumps(phantom_case(rtdose="dose.dcm")))
    run = assert_contract(run_cli("evaluate", str(case), "--format", "json"), allowed=(2,))
    assert "leaves the case's folder" in run.err and run.out.strip() in ("", "[]")


@pytest.mark.parametrize("kind", ["fifo", "directory", "device", "missing", "nul", "long", "empty"])
def test_what_is_not_a_regular_file_inside_the_folder_is_bad_input(layout, kind):
    host, case_dir = layout
    name = {"nul": "a\x00b.dcm", "long": "x" * 100_000, "empty": ""}.get(kind, "thing.dcm")
    if kind == "fifo":
        watch = OpenWatch(case_dir / name)
    elif kind == "directory":
        (case_dir / name).mkdir()
    elif kind == "device":
        _link(case_dir / name, "/dev/zero")
    case = case_dir / "case.json"
    case.write_text(json.dumps(phantom_case(rtdose=name)))
    if kind == "fifo":
        with watch:
            run = assert_contract(run_cli("evaluate", str(case), "--policy", PHANTOM_POLICY), allowed=(2,))
        assert not watch.opened.is_set()
    else:
        run = assert_contract(run_cli("evaluate", str(case), "--policy", PHANTOM_POLICY), allowed=(2,))
    assert "radiation.plans[0].dicom.rtdose" in run.err


def test_a_base_folder_named_by_the_host_is_where_paths_resolve(tmp_path):
    """``--base-dir`` (and ``base_dir=`` in the API): the case elsewhere, its DICOM in the named folder."""
    data_dir = tmp_path / "data"
    phantom_folder(data_dir)
    case = tmp_path / "inbox" / "case.json"
    case.parent.mkdir()
    case.write_bytes((data_dir / "bcbsnc-femur-phantom-dicom.json").read_bytes())
    assert_contract(run_cli("evaluate", str(case), "--policy", PHANTOM_POLICY), allowed=(2,))
    run = assert_contract(run_cli("evaluate", str(case), "--policy", PHANTOM_POLICY, "--base-dir", str(data_dir), "--format", "json"), allowed=(0,))
    assert run.json()[0]["outcome"] != "insufficient_information"


def test_the_api_refuses_an_escape_before_any_policy_runs(tmp_path):
    import coverage_sdk as cs
    from coverage_sdk.errors import InputError

    case = cs.structure_case(phantom_case())
    with pytest.raises(InputError, match=r"radiation\.plans\[0\]\.dicom\.rtdose"):
        cs.structure_case(phantom_case(rtdose="/etc/passwd"))
    os.symlink("/etc/passwd", tmp_path / "p.dcm")
    linked = cs.structure_case(phantom_case(rtdose="p.dcm"))
    with pytest.raises(InputError, match=r"radiation\.plans\[0\]\.dicom\.rtdose: leaves the case's folder"):
        cs.evaluate(linked, base_dir=tmp_path)
    assert case.radiation.plans[0].dicom.rtdose == "phantom/rtdose-3dcrt.dcm"
