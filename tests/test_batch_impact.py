"""coverage-sdk impact on BCBSNC 2016 -> 2019 (50 %/20 points -> 25 %/15 points) over synthetic cases."""

from __future__ import annotations

import base64
import csv
import io

import pytest

import coverage_sdk as cs
from coverage_sdk.batch.impact import policy_impact
from coverage_sdk.batch.synth import extremity_sarcoma_case, synth_cases, write_cases
from optional import optional

POLICY = "bcbsnc-imrt-extremity-sarcoma"


def _covered(case: dict, minimum_3d: float, reduction: float) -> bool | None:
    """Whether the thresholds are met, from the submitted metrics alone; None when a structure
    not named or a missing IMRT plan leaves it open (Kleene or over the bone and the joint)."""
    plans = {p["technique"]: p["metrics"] for p in case["radiation"]["plans"]}
    structures = case["radiation"]["structures"]
    results = []
    for role, key in (("bone", "bone_circumference_pct_ge_40gy"), ("joint", "joint_pct_ge_35gy")):
        if role not in structures:
            results.append(None)
        else:
            before = plans["3dcrt"][structures[role]][key]
            if before < minimum_3d:
                results.append(False)
            elif "imrt" not in plans:
                results.append(None)
            else:
                results.append(round(before - plans["imrt"][structures[role]][key], 6) >= reduction)
    return True if True in results else None if None in results else False


OUTCOMES = {True: cs.Outcome.MEDICALLY_NECESSARY, None: cs.Outcome.INSUFFICIENT_INFORMATION, False: cs.Outcome.NOT_MEDICALLY_NECESSARY}


@pytest.fixture(scope="module")
def sarcoma_cases(tmp_path_factory):
    path = tmp_path_factory.mktemp("impact") / "sarcoma.jsonl"
    cases = list(synth_cases(300, seed=5, kinds=((extremity_sarcoma_case, 1),)))
    write_cases(iter(cases), path)
    return path, {c["case_id"]: c for c in cases}


def test_bcbsnc_2016_to_2019_moves_what_the_thresholds_imply(sarcoma_cases):
    path, cases = sarcoma_cases
    report = policy_impact([path], POLICY, "2016", "2019")
    assert (report.old_version, report.new_version) == ("2016-05-31", "2019-05-28")
    assert len(report.cases) == 300 and not report.errors
    for impact in report.cases:
        case = cases[impact.case_id]
        assert (impact.old, impact.new) == (OUTCOMES[_covered(case, 50, 20)], OUTCOMES[_covered(case, 25, 15)])
    assert {new for _, new in report.moves()} <= {cs.Outcome.MEDICALLY_NECESSARY, cs.Outcome.INSUFFICIENT_INFORMATION}
    between = [
        case_id for case_id, c in cases.items()
        if "joint" not in c["radiation"]["structures"] and _covered(c, 25, 15)
        and 25 <= c["radiation"]["plans"][0]["metrics"][c["radiation"]["structures"]["bone"]]["bone_circumference_pct_ge_40gy"] < 50
    ]  # fmt: skip
    assert len(between) >= 10
    by_id = {c.case_id: c for c in report.cases}
    for case_id in between:
        impact = by_id[case_id]
        assert impact.old is not cs.Outcome.MEDICALLY_NECESSARY and impact.new is cs.Outcome.MEDICALLY_NECESSARY
        assert "bone-3d-ge-50pct: not_met -> bone-3d-ge-25pct: met" in [ch.label for ch in impact.changes]
    assert report.criteria()["bone-3d-ge-50pct: not_met -> bone-3d-ge-25pct: met"] >= len(between)


def test_cli_impact_table_csv_and_html(sarcoma_cases, tmp_path, cli):
    path, _ = sarcoma_cases
    code, out, err = cli("impact", str(path), "--policy", POLICY, "--versions", "2016-05-31", "2019",
                         "--csv", str(tmp_path / "impact.csv"), "--html", str(tmp_path / "impact.html"))  # fmt: skip
    assert code == 0, err
    assert "version 2016-05-31 -> 2019-05-28" in out
    assert "insufficient_information  medically_necessary" in out or "not_medically_necessary   medically_necessary" in out
    rows = list(csv.DictReader(io.StringIO((tmp_path / "impact.csv").read_text())))
    assert len(rows) == 300 and {r["moved"] for r in rows} == {"yes", "no"}
    page = (tmp_path / "impact.html").read_text()
    png = base64.b64decode(page.split("data:image/png;base64,")[1].split('"')[0])
    assert png.startswith(b"\x89PNG") and "Moved cases" in page


def test_unknown_version_is_bad_input(sarcoma_cases, cli):
    path, _ = sarcoma_cases
    code, _, err = cli("impact", str(path), "--policy", POLICY, "--versions", "2015", "2019")
    assert code == 2 and "'2015' names no version of bcbsnc-imrt-extremity-sarcoma (versions: 2016-05-31, 2019-05-28)" in err


def test_the_same_report_on_the_dask_engine(sarcoma_cases):
    optional("distributed", "pip install 'coverage-sdk[dask]'")
    path, _ = sarcoma_cases
    here = policy_impact([path], POLICY, "2016", "2019")
    assert policy_impact([path], POLICY, "2016", "2019", engine="dask", workers=2, chunk_size=40) == here


def test_a_bad_case_is_reported_and_the_others_are_decided(sarcoma_cases, tmp_path, cli):
    path, _ = sarcoma_cases
    mixed = tmp_path / "mixed.jsonl"
    lines = path.read_text().splitlines()[:5]
    mixed.write_text("\n".join([*lines[:2], '{"case_id": "broken"', *lines[2:]]) + "\n")
    code, out, _ = cli("impact", str(mixed), "--policy", POLICY, "--versions", "2016", "2019", "--workers", "1")
    assert code == 2
    assert "5 cases decided under both" in out and "1 could not be read; 0 plugin failures" in out
    assert f"error: {mixed}:3: malformed JSON" in out
