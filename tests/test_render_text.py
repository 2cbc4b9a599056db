"""The text a reviewer reads: every decision and its reason on the first screen, no JSON."""

from __future__ import annotations

import re

import pytest
from repo_paths import EXAMPLES

from coverage_sdk.cli import main
from coverage_sdk.host.evaluate import evaluate
from coverage_sdk.policy.converter import load_case
from coverage_sdk.render import review

CASES = sorted(EXAMPLES.glob("*.json"))
JSON_LINE = re.compile(r'[{\[]\s*"|"\s*:\s*[\[{"0-9tfn]|^\s*[\]}],?\s*$')


def _text(capsys, *argv: str) -> list[str]:
    assert main(["evaluate", *argv]) == 0
    return capsys.readouterr().out.splitlines()


def _flat(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_the_first_screen_holds_every_outcome_and_reason_and_no_line_is_json(path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    lines = _text(capsys, str(path))
    first = _flat(lines[:40])
    for det in evaluate(load_case(path)):
        assert review.outcome_words(det.outcome) in first, det.policy_id
        for reason in review.specific_reasons(det)[0]:
            assert " ".join(reason.split()) in first, (det.policy_id, reason)
    assert all(len(line) <= 100 for line in lines)
    assert not [line for line in lines if JSON_LINE.search(line)]


def test_the_case_without_a_payer_says_every_installed_payers_policy_was_applied(capsys):
    lines = _text(capsys, str(EXAMPLES / "bcbsm-rectal-t4-negative-margins.json"))
    assert "every installed payer's policy (bcbsm-bcn, bcbsma, evolent)" in _flat(lines[:4])


def test_branches_about_other_sites_fold_and_trail_full_shows_them(capsys):
    path = str(EXAMPLES / "bcbsm-rectal-t4-negative-margins.json")
    short = _text(capsys, path)
    full = _text(capsys, path, "--trail", "full")
    assert len(full) > len(short)
    heading = "  About other cancer sites or products (folded; --trail full shows them):"
    folded = short[short.index(heading) + 1]
    assert "[" in folded and "yes:" not in folded and "no:" not in folded
    assert not any("The tumor is a cervical cancer." in line for line in short)
    assert any("The tumor is a cervical cancer." in line for line in full)


def test_exclusions_that_do_not_apply_read_as_good_news(capsys):
    lines = _text(capsys, str(EXAMPLES / "evolent-breast-eligible.json"))
    assert any("does not apply: IORT is delivered by electronic brachytherapy" in line for line in lines)
    assert not any("NOT MET" in line for line in lines)


def test_the_femur_disagreement_is_a_warning_in_the_first_ten_lines(capsys):
    lines = _text(capsys, str(EXAMPLES / "bcbsnc-femur-phantom-dicom.json"))
    head = _flat(lines[:10])
    assert "WARNING (dicom_submitted_disagreement)" in head
    assert "submitted" in head.split("WARNING (dicom_submitted_disagreement)")[1].lower()


def test_the_summary_table_has_units_and_comes_before_the_sources(capsys):
    lines = _text(capsys, str(EXAMPLES / "imrt-policy-example.json"))
    table = lines.index("  Summary table (3D vs IMRT):")
    sources = max(i for i, line in enumerate(lines) if line == "  Sources:")
    assert table < sources
    assert "3D 62 Gy; IMRT 52 Gy; Yes (only IMRT meets constraint)" in _flat(lines[table:sources])


def test_json_output_is_a_list_of_determinations(capsys):
    import json

    assert main(["evaluate", str(EXAMPLES / "imrt-policy-example.json"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, list) and {"outcome", "reasons", "criteria", "warnings"} <= set(data[0])


def test_an_approved_case_shows_the_deciding_branch_first(capsys):
    lines = _text(capsys, str(EXAMPLES / "bcbsm-rectal-t4-positive-margins.json"))
    details = lines.index("Details of 1. bcbsm-bcn-iort")
    assert lines[details + 2].startswith("    yes: A rectal cancer named in the inclusionary guidelines. [")
    assert sum("does not apply:" in line for line in lines) >= 6


def test_a_case_naming_its_payer_is_decided_by_that_payers_policies_only(tmp_path, capsys):
    import json

    data = json.loads((EXAMPLES / "bcbsm-rectal-t4-positive-margins.json").read_text())
    data["payer"] = "bcbsma"
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    lines = _text(capsys, str(path))
    assert "Payer: bcbsma (named by the case): only its policies were applied." in _flat(lines[:3])
    assert "1 determination" in lines[0]


def test_policies_lists_each_payer_id(capsys):
    import json

    assert main(["policies"]) == 0
    assert "payer id: bcbsma" in capsys.readouterr().out
    assert main(["policies", "--json"]) == 0
    ids = {row["policy_id"]: row["payer_id"] for row in json.loads(capsys.readouterr().out)["policies"]}
    assert ids["bcbsma-278-iort"] == "bcbsma" and ids["imrt-oar-proximity"] is None
