"""coverage-sdk metrics: CMS-0057-F figures on a small decision-record log, against a hand computation.

The log (unit H1 unless said; P = policy p, its version in brackets):

| rec | urgency   | status    | received (UTC)   | decided (UTC)    | hours | recommendation | other                        |
|-----|-----------|-----------|------------------|------------------|-------|----------------|------------------------------|
| r1  | standard  | approved  | 01-05 09:00      | 01-06 09:00      | 24    | P[2024] MN     |                              |
| r2  | standard  | denied    | 01-05 09:00      | 01-12 20:00      | 179   | P[2024] MN     | appeal approved              |
| r3  | standard  | modified  | 01-06 03:00      | 01-13 15:00      | 180   | P[2024] NMN    | extended; New York: 01-05 -> 01-13 |
| r4  | standard  | pended    | 01-05 09:00      | -                | -     | P[2024] MN     |                              |
| r5  | standard  | cancelled | 01-05 09:00      | 01-07 09:00      | 48    | P[2024] MN     |                              |
| r6  | expedited | approved  | 02-01 10:00      | 02-02 10:00      | 24    | P[2025] MN     |                              |
| r7  | expedited | denied    | 02-01 10:00      | 02-04 16:00      | 78    | P[2025] review |                              |
| r8  | standard  | modified  | (an appeal of r9)                                                                          |
| r9  | standard  | denied    | 03-02 08:00 (no offset) | 03-04 08:00 (no offset) | 48 | none  | appealed by r8               |
| r10 | standard  | approved  | 01-10 00:00      | 01-10 12:00      | 12    | Q[2] MN        | unit H2                      |
"""

from __future__ import annotations

import json

import jsonschema
import pytest

import coverage_sdk as cs
from coverage_sdk.batch.metrics import ALL_POLICIES, NO_RECOMMENDATION, Choices, compute_metrics
from coverage_sdk.batch.records import read_records, record_schema, shipped_record_schema, structure_record


def _record(rid, urgency, status, received, decided=None, *, policy=("p", "2024-01-01", "medically_necessary"), unit="H1",
            kind="initial", original=None, extension=False, appeal=None, code="77425"):  # fmt: skip
    codes = {"approved": "A1", "modified": "A6", "denied": "A3", "pended": "A4", "cancelled": "C"}
    data = {
        "record_id": rid, "reporting_unit": unit,
        "request": {"request_id": f"q-{rid}", "received_at": received, "urgency": urgency, "certification_type": kind, "channel": "fhir_pas"},
        "service": {"code": code},
        "decision": {"status": status, "human_review": status != "approved", "action_code": codes[status]},
    }  # fmt: skip
    if original:
        data["request"]["original_request_id"] = original
    if decided:
        data["decision"]["decided_at"] = decided
    if policy:
        data["recommendation"] = {"outcome": policy[2], "policy_id": policy[0], "policy_version": policy[1], "sdk_version": "0.1.0",
                                  "plugin": "coverage-sdk-p", "plugin_version": "0.1.0", "case_sha256": "0" * 64}  # fmt: skip
    if extension:
        data["extension"] = {"extended_at": "2026-01-08T09:00:00Z", "reason": "more information requested"}
    if appeal:
        data["appeal"] = {"filed_at": "2026-01-20T09:00:00Z", "outcome": appeal, "decided_at": "2026-01-25T09:00:00Z"}
    return data


P25_MN = ("p", "2025-01-01", "medically_necessary")
LOG = [
    _record("r1", "standard", "approved", "2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z"),
    _record("r2", "standard", "denied", "2026-01-05T09:00:00Z", "2026-01-12T20:00:00Z", appeal="approved"),
    _record("r3", "standard", "modified", "2026-01-06T03:00:00Z", "2026-01-13T15:00:00Z", extension=True,
            policy=("p", "2024-01-01", "not_medically_necessary"), code="77469"),
    _record("r4", "standard", "pended", "2026-01-05T09:00:00Z"),
    _record("r5", "standard", "cancelled", "2026-01-05T09:00:00Z", "2026-01-07T09:00:00Z"),
    _record("r6", "expedited", "approved", "2026-02-01T10:00:00Z", "2026-02-02T10:00:00Z", policy=P25_MN),
    _record("r7", "expedited", "denied", "2026-02-01T10:00:00Z", "2026-02-04T16:00:00Z", policy=("p", "2025-01-01", "clinical_review")),
    _record("r8", "standard", "modified", "2026-03-10T08:00:00Z", "2026-03-12T08:00:00Z", kind="appeal", original="q-r9", policy=None),
    _record("r9", "standard", "denied", "2026-03-02T08:00:00", "2026-03-04T08:00:00", policy=None),
    _record("r10", "standard", "approved", "2026-01-10T00:00:00Z", "2026-01-10T12:00:00Z", unit="H2", policy=("q", "2", "medically_necessary")),
]


def _h1(choices: Choices | None = None):
    figures = compute_metrics([structure_record(r) for r in LOG], choices)
    return {(f.reporting_unit, f.policy_id, f.policy_version): f for f in figures}


def test_defaults_match_the_hand_computation():
    groups = _h1()
    f = groups["H1", ALL_POLICIES, None]
    assert (f.requests, f.standard_requests, f.expedited_requests) == (6, 4, 2)  # r1 r2 r3 r9 / r6 r7
    assert f.services == ("77425", "77469")
    assert f.standard_approved_pct == 50.0  # r1, r3 (partial counts as approved)
    assert f.standard_denied_pct == 50.0  # r2, r9
    assert f.standard_approved_after_appeal_pct == 50.0  # r2 (its appeal), r9 (r8, modified) of 4
    assert f.extended_then_approved_pct == pytest.approx(100 / 6)  # r3 of 6
    assert (f.expedited_approved_pct, f.expedited_denied_pct) == (50.0, 50.0)
    assert f.standard_mean_hours == pytest.approx((24 + 179 + 180 + 48) / 4)
    assert f.standard_median_hours == pytest.approx((48 + 179) / 2)
    assert (f.expedited_mean_hours, f.expedited_median_hours) == (51.0, 51.0)
    assert f.standard_within_7_days_pct == 100.0  # UTC dates: r2 01-05 -> 01-12, r3 01-06 -> 01-13
    assert f.expedited_within_72_hours_pct == 50.0  # r7 took 78 hours
    assert (f.overridden_pct, f.recommendations_compared) == (50.0, 4)  # r2 (MN, denied), r3 (NMN, approved) of r1 r2 r3 r6

    p2024 = groups["H1", "p", "2024-01-01"]
    assert (p2024.requests, p2024.standard_approved_pct, p2024.standard_approved_after_appeal_pct) == (3, pytest.approx(200 / 3), pytest.approx(100 / 3))
    assert groups["H1", "p", "2025-01-01"].requests == 2
    assert groups["H1", NO_RECOMMENDATION, None].standard_denied_pct == 100.0
    h2 = groups["H2", ALL_POLICIES, None]
    assert (h2.requests, h2.standard_approved_pct, h2.standard_mean_hours, h2.expedited_approved_pct) == (1, 100.0, 12.0, None)
    assert set(groups) == {("H1", ALL_POLICIES, None), ("H1", "p", "2024-01-01"), ("H1", "p", "2025-01-01"),
                           ("H1", NO_RECOMMENDATION, None), ("H2", ALL_POLICIES, None), ("H2", "q", "2")}  # fmt: skip


def test_partial_approvals_as_denied():
    f = _h1(Choices(partial="denied"))["H1", ALL_POLICIES, None]
    assert (f.standard_approved_pct, f.standard_denied_pct) == (25.0, 75.0)
    assert f.standard_approved_after_appeal_pct == 25.0  # r8's partial approval no longer counts
    assert f.extended_then_approved_pct == 0.0
    assert (f.overridden_pct, f.recommendations_compared) == (25.0, 4)  # r3 now agrees with its NMN


def test_partial_approvals_as_neither():
    f = _h1(Choices(partial="neither"))["H1", ALL_POLICIES, None]
    assert (f.standard_approved_pct, f.standard_denied_pct) == (25.0, 50.0)
    assert f.standard_approved_after_appeal_pct == 25.0
    assert f.extended_then_approved_pct == 0.0
    assert (f.overridden_pct, f.recommendations_compared) == (pytest.approx(100 / 3), 3)


def test_appeals_over_denied_requests():
    f = _h1(Choices(appeal_base="denied"))["H1", ALL_POLICIES, None]
    assert f.standard_approved_after_appeal_pct == 100.0  # r2 and r9, both approved on appeal


def test_seven_days_as_elapsed_hours():
    f = _h1(Choices(day_count="elapsed"))["H1", ALL_POLICIES, None]
    assert f.standard_within_7_days_pct == 50.0  # r2 (179 h) and r3 (180 h) are over 168


def test_seven_calendar_days_in_another_time_zone():
    f = _h1(Choices(timezone="America/New_York"))["H1", ALL_POLICIES, None]
    assert f.standard_within_7_days_pct == 75.0  # r3 is 01-05 -> 01-13 in New York: 8 days
    assert f.standard_mean_hours == pytest.approx((24 + 179 + 180 + 48) / 4)  # r9 has no offset: read in New York, still 48 h


def test_pended_and_cancelled_in_the_denominator():
    f = _h1(Choices(denominator=["approved", "modified", "denied", "pended", "cancelled"]))["H1", ALL_POLICIES, None]
    assert (f.requests, f.standard_requests) == (8, 6)
    assert f.standard_approved_pct == pytest.approx(200 / 6) and f.standard_denied_pct == pytest.approx(200 / 6)
    assert f.standard_approved_after_appeal_pct == pytest.approx(200 / 6)
    assert f.extended_then_approved_pct == 12.5
    assert f.standard_mean_hours == pytest.approx((24 + 179 + 180 + 48 + 48) / 5) and f.standard_median_hours == 48.0
    assert f.standard_within_7_days_pct == 100.0  # r4 has no decision time


def test_cli_prints_the_choices_with_the_figures(tmp_path, cli):
    log = tmp_path / "records.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in LOG))
    code, out, err = cli("metrics", str(log), "--partial", "denied", "--timezone", "America/New_York")
    assert code == 0, err
    assert "partial approvals (modified) count as: denied" in out and "time zone America/New_York" in out
    assert "denominator: requests whose final status is approved, modified, denied" in out
    assert "H1: (all policies)" in out and "H1: p, version 2024-01-01" in out
    assert "standard requests approved, %" in out and " 25.0" in out
    code, out, _ = cli("metrics", str(log), "--format", "json")
    data = json.loads(out)
    assert data["choices"]["partial"] == "approved" and data["figures"][0]["standard_approved_pct"] == 50.0


def test_bad_records_and_bad_choices_are_bad_input(tmp_path, cli):
    log = tmp_path / "records.jsonl"
    bad = {**LOG[0], "decision": {**LOG[0]["decision"], "action_code": "A3"}}
    log.write_text(json.dumps(LOG[1]) + "\n" + json.dumps(bad) + "\n")
    code, _, err = cli("metrics", str(log))
    assert code == 2 and f"{log}:2: decision.action_code: must be one of A1, NA for status approved" in err
    code, _, err = cli("metrics", str(tmp_path), "--timezone", "Mars/Olympus")
    assert code == 2 and "'Mars/Olympus' is not an IANA time zone" in err
    code, _, err = cli("metrics", str(tmp_path), "--denominator", "approved,refused")
    assert code == 2 and "'refused' is not one of approved, modified, denied, pended, cancelled" in err


def test_shipped_schema_is_the_model_and_accepts_the_log():
    assert shipped_record_schema() == record_schema()
    validator = jsonschema.Draft202012Validator(record_schema(), format_checker=jsonschema.FormatChecker())
    for record in LOG:
        validator.validate(record)
        assert cs.unstructure(structure_record(record)) == cs.unstructure(structure_record(cs.unstructure(structure_record(record))))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**LOG[0], "surprise": 1})


def test_records_from_a_json_list(tmp_path):
    (tmp_path / "log.json").write_text(json.dumps(LOG[:2]))
    assert [r.record_id for r in read_records([tmp_path])] == ["r1", "r2"]


def test_a_recommendation_is_read_from_a_determination():
    from repo_paths import EXAMPLES

    from coverage_sdk.batch.records import Recommendation

    det = cs.evaluate(cs.load_case(EXAMPLES / "bcbsnc-femur-sparing-met.json"), ["bcbsnc-imrt-extremity-sarcoma"])[0]
    made = Recommendation.of(det)
    assert (made.outcome, made.policy_id, made.policy_version) == (cs.Outcome.MEDICALLY_NECESSARY, det.policy_id, "2019-05-28")
    assert (made.plugin, made.case_sha256) == (det.audit.plugin, det.audit.case_sha256)
