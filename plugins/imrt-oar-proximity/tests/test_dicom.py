"""The policy from DICOM: two RT Dose files and one RT Structure Set, decided through ``coverage-sdk evaluate``."""

from __future__ import annotations

import json

import pytest
from synthetic_dicom import prism_statistics, write_rtdose, write_rtstruct

from coverage_sdk.cli import main

SLOPES = {"3D": 0.5, "IMRT": 0.4}  # Gy per mm: the IMRT plan spares the organs, 20 % less dose
PRISMS = {"BrainStem": (0.0, 20.0), "Heart": (-30.0, 10.0)}
CONSTRAINTS = [
    ("Brainstem", "Dmax < 34 Gy", "QUANTEC", "Dmax"),
    ("Brainstem", "D0.03cc < 30 Gy", "RTOG 0631", "D0.03cc"),
    ("Heart", "V15Gy < 60 %", "institutional", "V15Gy"),
    ("Heart", "Mean < 26 Gy", "QUANTEC", "Dmean"),
    ("Heart", "D2cc < 25 Gy", "institutional", "D2cc"),
]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "dicom").mkdir()
    for label, slope in SLOPES.items():
        write_rtdose(tmp_path / "dicom" / f"rtdose_{label}.dcm", slope)
    write_rtstruct(tmp_path / "dicom" / "rtss.dcm", PRISMS)
    return tmp_path


def _case(folder, constraints=CONSTRAINTS, metrics=None, rtdose_3d="dicom/rtdose_3D.dcm"):
    plans = []
    for label, technique in (("3D", "3dcrt"), ("IMRT", "imrt")):
        rtdose = rtdose_3d if label == "3D" else f"dicom/rtdose_{label}.dcm"
        plan = {"label": label, "technique": technique, "dicom": {"rtdose": rtdose, "rtstruct": "dicom/rtss.dcm"}}
        if metrics and label in metrics:
            plan["metrics"] = metrics[label]
        plans.append(plan)
    data = {
        "case_id": "dicom-case", "date_of_service": "2025-06-02", "procedures": [{"code": "77301"}, {"code": "G6015"}],
        "documentation": ["clinical_history", "chart_notes", "imaging_reports", "dvh_comparison_color"],
        "radiation": {"plans": plans, "oar_constraints": [{"organ": o, "constraint": c, "source": s} for o, c, s, _ in constraints]},
    }  # fmt: skip
    path = folder / "case.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _evaluate(path, capsys):
    code = main(["evaluate", str(path), "--policy", "imrt-oar-proximity", "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)[0]


def _tolerance(metric: str, organ: str, slope: float) -> float:
    """Half a 2 mm voxel along the gradient: in Gy, or in % of the prism's length."""
    x0, x1 = PRISMS[{"Brainstem": "BrainStem"}.get(organ, organ)]
    return 100.0 / (x1 - x0) if metric.startswith("V") else slope * 1.0


def test_values_are_computed_from_dicom_and_decide(folder, capsys):
    code, det = _evaluate(_case(folder), capsys)
    assert code == 0
    assert det["outcome"] == "medically_necessary"
    for row, (organ, _, _, metric) in zip(det["summary_table"], CONSTRAINTS):
        x0, x1 = PRISMS[{"Brainstem": "BrainStem"}.get(organ, organ)]
        for key, label in (("value_3d", "3D"), ("value_imrt", "IMRT")):
            exact = prism_statistics(x0, x1, SLOPES[label])[metric]
            assert row[key] == pytest.approx(exact, abs=_tolerance(metric, organ, SLOPES[label])), (row, label)
    assert [r["conclusion"] for r in det["summary_table"]] == [
        "Yes (only IMRT meets constraint)", "Yes (only IMRT meets constraint)", "Yes (only IMRT meets constraint)",
        "No (both meet constraint)", "Yes (only IMRT meets constraint)",
    ]  # fmt: skip
    comparison = next(c for c in det["criteria"] if c["id"] == "only-imrt-meets-constraint")["evidence"]["oar.comparison"]
    assert comparison[0]["plans"]["3D"]["roi"] == "BrainStem"
    assert comparison[0]["plans"]["3D"]["value_from"] == "computed from DICOM"


def test_submitted_and_computed_values_are_both_reported_and_disagreement_flagged(folder, capsys):
    metrics = {"3D": {"Brainstem": {"Dmax": 33.0}}, "IMRT": {"Brainstem": {"Dmax": 28.1}}}
    _, det = _evaluate(_case(folder, CONSTRAINTS[:1], metrics), capsys)
    plans = det["criteria"][-1]["evidence"]["oar.comparison"][0]["plans"]
    assert (plans["3D"]["submitted"], plans["3D"]["disagreement"]) == (33.0, True)
    assert (plans["IMRT"]["submitted"], plans["IMRT"]["disagreement"]) == (28.1, False)
    assert plans["3D"]["computed"] == pytest.approx(35.0, abs=0.5)
    assert det["summary_table"][0]["value_3d"] == plans["3D"]["computed"]
    (warning,) = det["warnings"]
    assert (warning["code"], warning["field"]) == ("dicom_submitted_disagreement", "radiation.plans[0].metrics.Brainstem.Dmax")
    assert det["outcome"] == "clinical_review", "33 Gy as submitted meets Dmax < 34 Gy: only IMRT meets it only on the DICOM"
    assert "not medically necessary" in det["reasons"][0]


def test_a_disagreement_that_changes_nothing_leaves_the_approval(folder, capsys):
    metrics = {"3D": {"Brainstem": {"Dmax": 37.0}}}
    _, det = _evaluate(_case(folder, CONSTRAINTS[:1], metrics), capsys)
    assert [w["code"] for w in det["warnings"]] == ["dicom_submitted_disagreement"]
    assert det["warnings"][0]["message"].endswith("the outcome would be the same.")
    assert det["outcome"] == "medically_necessary"


def test_an_organ_without_roi_or_metric_is_named(folder, capsys):
    _, det = _evaluate(_case(folder, [("Spinal cord", "Dmax < 45 Gy", "QUANTEC", "Dmax")]), capsys)
    assert det["outcome"] == "insufficient_information"
    fields = [m["field"] for m in det["missing_information"]]
    assert fields == ["radiation.plans[0].metrics.Spinal cord.Dmax", "radiation.plans[1].metrics.Spinal cord.Dmax"]
    assert "no ROI in radiation.plans[0].dicom.rtstruct stands for 'Spinal cord'" in det["missing_information"][0]["reason"]


def test_an_unreadable_dose_file_falls_back_to_the_submitted_value_or_is_named(folder, capsys):
    only_brainstem = CONSTRAINTS[:1]
    _, det = _evaluate(_case(folder, only_brainstem, rtdose_3d="dicom/missing.dcm"), capsys)
    assert det["outcome"] == "insufficient_information"
    assert [m["field"] for m in det["missing_information"]] == ["radiation.plans[0].metrics.Brainstem.Dmax"]
    assert "no such file" in det["missing_information"][0]["reason"]
    metrics = {"3D": {"Brain Stem": {"Max": 36.0}}}
    _, det = _evaluate(_case(folder, only_brainstem, metrics, rtdose_3d="dicom/missing.dcm"), capsys)
    assert det["outcome"] == "medically_necessary"
    assert det["summary_table"][0]["value_3d"] == 36.0
