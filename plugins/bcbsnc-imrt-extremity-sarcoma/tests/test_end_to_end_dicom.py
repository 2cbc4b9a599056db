"""End to end from DICOM: the phantom of make_phantom.py decided through ``coverage-sdk evaluate``;
the reported plan values against the closed forms of shared/spec/bone-circumference.md."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

from coverage_sdk import load_case
from coverage_sdk.cli import main
from coverage_sdk.policy.model import Audit, Outcome
from coverage_sdk_bcbsnc_imrt_extremity_sarcoma import POLICY

DATA = files("coverage_sdk_bcbsnc_imrt_extremity_sarcoma") / "data" / "examples"
EXAMPLES = sorted(DATA.glob("*.json"))
POLICY_ID = "bcbsnc-imrt-extremity-sarcoma"


def dicom_case(directory: Path, *, submitted: dict[str, float] | None = None, roi: str = "Femur_L", day="2024-06-03") -> Path:
    """A case file in ``directory`` whose two plans are the phantom's RT Dose files over its RT Structure Set."""
    plans = []
    for technique in ("3dcrt", "imrt"):
        plan = {"label": technique.upper(), "technique": technique,
                "dicom": {"rtdose": f"rtdose-{technique}.dcm", "rtstruct": "rtstruct.dcm"}}  # fmt: skip
        if submitted and technique in submitted:
            plan["metrics"] = {roi: {"bone_circumference_pct_ge_40gy": submitted[technique]}}
        plans.append(plan)
    data = {
        "case_id": "nc-phantom",
        "date_of_service": day,
        "procedures": [{"code": "77338", "units": 4}, {"code": "77386", "units": 30}],
        "tumor": {"site": "soft_tissue_sarcoma", "location": "extremity_lower"},
        "radiation": {
            "structures": {"bone": roi, "bone_kind": "femur", "joint": "Knee_L", "joint_kind": "knee"},
            "plans": plans,
        },
    }
    path = directory / f"case-{len(list(directory.glob('case-*.json')))}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def evaluate(capsys, path: Path) -> tuple[int, dict]:
    code = main(["evaluate", str(path), "--policy", POLICY_ID, "--format", "json"])
    out, _ = capsys.readouterr()
    (det,) = json.loads(out)
    return code, det


def evidence(det: dict, prefix: str) -> dict:
    return next(c["evidence"] for c in det["criteria"] if c["id"].startswith(prefix))


def test_the_phantom_is_decided_from_dicom_and_matches_the_closed_form(capsys, make_phantom, phantom_dir):
    code, det = evaluate(capsys, dicom_case(phantom_dir))
    assert code == 0
    assert det["outcome"] == "medically_necessary"
    phantom = make_phantom.Phantom()
    offsets = dict(phantom.offsets)
    for role, truth, prefix in (
        ("bone", phantom.bone_truth_pct, "plan_metrics.{}_bone_circumference_pct_ge_40gy"),
        ("joint", phantom.joint_truth_pct, "plan_metrics.{}_joint_pct_ge_35gy"),
    ):
        shown = evidence(det, f"{role}-reduction-ge-")
        for plan in ("3dcrt", "imrt"):
            assert shown[prefix.format(plan)] == pytest.approx(truth(offsets[plan]), abs=1.0), (role, plan)
            assert shown[f"plan_metrics.{role}_sources"][plan]["computed_from_dicom"] == shown[prefix.format(plan)]
        expected = truth(offsets["3dcrt"]) - truth(offsets["imrt"])
        assert shown[f"plan_metrics.{role}_reduction_points"] == pytest.approx(expected, abs=1.0)
    assert [(i["code"], i["units_approved"]) for i in det["line_items"]] == [("77338", 1), ("77386", 30)]


def test_the_2018_version_decides_the_same_phantom_on_its_own_thresholds(capsys, phantom_dir):
    _, det = evaluate(capsys, dicom_case(phantom_dir, day="2018-03-05"))
    assert det["policy_version"] == "2016-05-31"
    bone = {c["id"]: c["result"] for c in det["criteria"] if c["id"].startswith("bone-")}
    assert bone == {"bone-sparing-2016": "met", "bone-3d-ge-50pct": "met", "bone-reduction-ge-20-points": "met"}
    joint = {c["id"]: c["result"] for c in det["criteria"] if c["id"].startswith("joint-")}
    assert joint["joint-reduction-ge-20-points"] == "not_met"  # the knee's reduction is about 18 points


@pytest.mark.parametrize(("submitted", "flagged"), [({"3dcrt": 71.0, "imrt": 46.5}, set()), ({"imrt": 44.0}, {"imrt"})])
def test_dicom_and_submitted_values_are_both_reported_and_disagreement_flagged(capsys, phantom_dir, submitted, flagged):
    _, det = evaluate(capsys, dicom_case(phantom_dir, submitted=submitted))
    shown = evidence(det, "bone-reduction-ge-")
    sources = shown["plan_metrics.bone_sources"]
    for plan in ("3dcrt", "imrt"):
        entry = sources[plan]
        assert shown[f"plan_metrics.{plan}_bone_circumference_pct_ge_40gy"] == entry["computed_from_dicom"]
        assert entry["submitted"] == submitted.get(plan)
        if plan in submitted:
            difference = entry["computed_from_dicom"] - submitted[plan]
            assert entry["computed_minus_submitted_points"] == pytest.approx(difference)
            assert entry["disagreement_over_1_point"] is (plan in flagged)
    (row,) = [r for r in det["summary_table"] if r["organ"] == "Femur_L (femur)"]
    assert ("DISAGREEMENT" in row["conclusion"]) is bool(flagged)


def test_an_roi_missing_from_the_structure_set_is_bad_input(capsys, phantom_dir):
    code = main(["evaluate", str(dicom_case(phantom_dir, roi="Femur_R")), "--policy", POLICY_ID])
    _, err = capsys.readouterr()
    assert code == 2
    assert "ROI 'Femur_R' (radiation.structures.bone) is not in this structure set; its ROIs: Femur_L, Knee_L" in err


def test_a_missing_dose_file_is_bad_input(capsys, tmp_path, phantom_dir):
    (tmp_path / "rtstruct.dcm").write_bytes((phantom_dir / "rtstruct.dcm").read_bytes())
    code = main(["evaluate", str(dicom_case(tmp_path)), "--policy", POLICY_ID])
    _, err = capsys.readouterr()
    assert code == 2
    assert "rtdose-3dcrt.dcm: radiation.plans[0].dicom.rtdose: no such file" in err


@pytest.mark.parametrize(("empty", "metric"), [("femur_z", "bone_circumference_pct_ge_40gy"), ("knee_z", "joint_pct_ge_35gy")])
def test_an_roi_without_contours_is_bad_input(capsys, tmp_path, make_phantom, empty, metric):
    make_phantom.write(tmp_path, make_phantom.Phantom(**{empty: ()}))
    code = main(["evaluate", str(dicom_case(tmp_path)), "--policy", POLICY_ID])
    _, err = capsys.readouterr()
    assert code == 2
    assert f"rtstruct.dcm: cannot compute {metric} of ROI" in err


def test_the_committed_phantom_is_what_the_script_writes(phantom_dir):
    committed = DATA / "phantom"
    names = sorted(p.name for p in committed.glob("*.dcm"))
    assert names == ["rtdose-3dcrt.dcm", "rtdose-imrt.dcm", "rtstruct.dcm"]
    for name in names:
        assert (committed / name).read_bytes() == (phantom_dir / name).read_bytes(), name
    assert sum((committed / n).stat().st_size for n in names) < 1_000_000


EXPECTED = {
    "bcbsnc-femur-sparing-met.json": Outcome.MEDICALLY_NECESSARY,
    "bcbsnc-joint-sparing-not-met.json": Outcome.NOT_MEDICALLY_NECESSARY,
    "bcbsnc-femur-phantom-dicom.json": Outcome.MEDICALLY_NECESSARY,
}


def test_every_example_case_has_an_expected_outcome():
    assert sorted(p.name for p in EXAMPLES) == sorted(EXPECTED)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_cases(path):
    det = POLICY.evaluate(load_case(path), Audit("test", POLICY_ID, "test", "0" * 64, "2025-01-01T00:00:00+00:00"))
    assert det.outcome is EXPECTED[path.name]
    assert det.summary_table
