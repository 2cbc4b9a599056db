"""The policy from submitted metrics: its own example table, documents, sources, missing values."""

from __future__ import annotations

import json
import re
from importlib.resources import files

import pytest
from imrt_cases import DOCUMENTS, EXAMPLE_ROWS, decide, example_case, trail

import coverage_sdk as cs
from coverage_sdk.policy.model import Outcome, Result
from coverage_sdk_imrt_oar_proximity import POLICY

DATA = files("coverage_sdk_imrt_oar_proximity") / "data"
DOCUMENT = DATA / "imrt-oar-proximity.txt"


@pytest.fixture
def case():
    return example_case()


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "").replace("*", "")).strip()


def test_every_quote_is_verbatim_in_the_policy():
    document = _normalised(DOCUMENT.read_text(encoding="utf-8"))
    quotes = [c.citation.quote for c in POLICY.criteria()] + [v.otherwise.citation.quote for v in POLICY.versions]
    for quote in quotes:
        assert _normalised(quote) in document, quote


def test_the_policy_example_reproduces_its_table_row_for_row(case):
    det = decide(case)
    assert det.outcome is Outcome.MEDICALLY_NECESSARY
    assert not det.requires_clinical_review
    got = [(r.organ, r.constraint, r.source, r.value_3d, r.value_imrt, r.conclusion) for r in det.summary_table]
    assert got == [(o, c, s, float(v3), float(vi), last) for o, c, s, v3, vi, last in EXAMPLE_ROWS]
    assert [r.only_imrt_meets for r in det.summary_table] == [False, False, True]
    assert [(r.met_3d, r.met_imrt) for r in det.summary_table] == [(True, True), (False, False), (False, True)]


def test_without_the_brainstem_row_it_is_not_medically_necessary():
    det = decide(example_case(rows=EXAMPLE_ROWS[:2]))
    assert det.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert det.requires_clinical_review
    assert trail(det)["only-imrt-meets-constraint"].result is Result.NOT_MET
    assert "Brachial plexus (Max < 66 Gy): No (both meet constraint)" in " ".join(det.reasons)
    assert "Cauda equina (Max < 16 Gy): No (neither meets constraint)" in " ".join(det.reasons)


def test_without_the_colour_dvh_document_it_is_insufficient_naming_it():
    det = decide(example_case(documentation=[d for d in DOCUMENTS if d != "dvh_comparison_color"]))
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["documentation.dvh_comparison_color"]
    assert "dvh comparison color" in det.reasons[0]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_each_required_document_is_needed(document):
    det = decide(example_case(documentation=[d for d in DOCUMENTS if d != document]))
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == [f"documentation.{document}"]


def test_only_3d_meets_is_named_in_the_policys_words():
    rows = (("Spinal cord", "Dmax < 45 Gy", "RTOG 0617", 44, 46, "No (only 3D meets constraint)"),)
    det = decide(example_case(rows=rows))
    assert det.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert det.summary_table[0].conclusion == "No (only 3D meets constraint)"


def test_a_constraint_without_a_source_is_insufficient_naming_it():
    rows = EXAMPLE_ROWS[:2] + (EXAMPLE_ROWS[2][:2] + (None,) + EXAMPLE_ROWS[2][3:],)
    data = example_case(rows=rows)
    del data["radiation"]["oar_constraints"][2]["source"]
    det = decide(data)
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["radiation.oar_constraints[2].source"]
    assert det.summary_table[2].conclusion == "Yes (only IMRT meets constraint)"


def test_a_missing_source_does_not_block_when_another_organ_qualifies(case):
    del case["radiation"]["oar_constraints"][0]["source"]
    assert decide(case).outcome is Outcome.MEDICALLY_NECESSARY


def test_a_source_the_policy_does_not_list_does_not_count():
    rows = (("Brainstem", "Max < 54 Gy", "vendor planning template", 62, 52, ""),)
    det = decide(example_case(rows=rows))
    assert det.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert "the source 'vendor planning template' is not one the policy lists" in " ".join(det.reasons)


@pytest.mark.parametrize("source", ["RTOG 0617", "QUANTEC", "SWOG S0337", "NRG BN001", "CORSAIR", "Institutional protocol"])
def test_sources_the_policy_lists_count(source):
    rows = (("Brainstem", "Max < 54 Gy", source, 62, 52, ""),)
    assert decide(example_case(rows=rows)).outcome is Outcome.MEDICALLY_NECESSARY


def test_a_plan_value_neither_submitted_nor_computable_is_named(case):
    del case["radiation"]["plans"][1]["metrics"]["Brainstem"]
    det = decide(case)
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["radiation.plans[1].metrics.Brainstem.Dmax"]
    assert "IMRT plan's Dmax for Brainstem is neither submitted nor computable" in det.missing_information[0].reason
    assert det.summary_table[2].value_imrt is None and det.summary_table[2].conclusion is None


def test_a_missing_imrt_plan_is_named(case):
    del case["radiation"]["plans"][1]
    det = decide(case)
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["radiation.plans"]


def test_no_constraints_listed_is_insufficient(case):
    del case["radiation"]["oar_constraints"]
    det = decide(case)
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert [m.field for m in det.missing_information] == ["radiation.oar_constraints"]
    assert det.summary_table == []


def test_a_constraint_looser_than_published_is_flagged_in_the_evidence():
    rows = (("Brain Stem", "Dmax < 60 Gy", "QUANTEC", 62, 58, ""),)
    det = decide(example_case(rows=rows))
    row = trail(det)["only-imrt-meets-constraint"].evidence["oar.comparison"][0]
    assert row["looser_than_published"].startswith("looser than QUANTEC: Dmax < 54 Gy")
    assert "Marks LB" in row["looser_than_published"]
    rows = trail(decide(example_case()))["only-imrt-meets-constraint"].evidence["oar.comparison"]
    assert [r["looser_than_published"] for r in rows] == [None, None, None]


@pytest.mark.parametrize(
    "constraint, metric, v3d, vimrt, conclusion",
    [
        ("V20Gy < 30 %", "V20Gy", 34.0, 22.0, "Yes (only IMRT meets constraint)"),
        ("Mean <= 26 Gy", "Dmean", 27.5, 26.0, "Yes (only IMRT meets constraint)"),
        ("D2cc < 50 Gy", "D2cc", 49.0, 48.0, "No (both meet constraint)"),
        ("D0.03cc <= 55 Gy", "D0.03cc", 57.0, 56.0, "No (neither meets constraint)"),
        ("V5Gy < 300 cc", "V5Gy_cc", 350.0, 250.0, "Yes (only IMRT meets constraint)"),
    ],
)
def test_volume_mean_and_small_volume_constraints(constraint, metric, v3d, vimrt, conclusion):
    data = example_case(rows=(("Heart", constraint, "QUANTEC", 0, 0, ""),))
    for plan, value in zip(data["radiation"]["plans"], (v3d, vimrt)):
        plan["metrics"] = {"Heart": {metric: value}}
    det = decide(data)
    assert (det.summary_table[0].value_3d, det.summary_table[0].value_imrt) == (v3d, vimrt)
    assert det.summary_table[0].conclusion == conclusion


def test_a_malformed_constraint_is_a_clear_error_naming_it():
    data = example_case(rows=(("Heart", "Dmean is low", "QUANTEC", 1, 1, ""),))
    det = cs.evaluate(cs.structure_case(data), policies=["imrt-oar-proximity"])[0]
    assert det.outcome is Outcome.INSUFFICIENT_INFORMATION
    assert det.error.startswith("InputError")
    assert "'Dmean is low'" in det.error
    assert det.missing_information[0].field == "radiation.oar_constraints[0].constraint"


def test_services_and_dates():
    assert decide(example_case(codes=("77427",))).outcome is Outcome.NOT_APPLICABLE
    assert decide(example_case(date="2024-12-31")).outcome is Outcome.CLINICAL_REVIEW
    assert decide(example_case(date="2019-06-30")).outcome is Outcome.NOT_APPLICABLE
    for code in ("77301", "77338", "77385", "77386", "G6015", "G6016"):
        assert decide(example_case(codes=(code,))).outcome is Outcome.MEDICALLY_NECESSARY


def test_the_example_case_file_is_medically_necessary(cli_json):
    dets = cli_json(DATA / "examples" / "imrt-policy-example.json")
    assert [d["outcome"] for d in dets] == ["medically_necessary"]
    assert [r["conclusion"] for r in dets[0]["summary_table"]] == [row[-1] for row in EXAMPLE_ROWS]


@pytest.fixture
def cli_json(capsys):
    from coverage_sdk.cli import main

    def run(path):
        assert main(["evaluate", str(path), "--policy", "imrt-oar-proximity", "--format", "json"]) == 0
        return json.loads(capsys.readouterr().out)

    return run
