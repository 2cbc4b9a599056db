"""Same case + same versions = byte-identical determination, apart from audit.evaluated_at."""

from __future__ import annotations

import json

import pytest

import coverage_sdk as cs
from coverage_sdk.policy.converter import case_sha256
from coverage_sdk.render.text import to_json
from repo_paths import EXAMPLES


def _without_time(text):
    data = json.loads(text)
    for det in data:
        det["audit"].pop("evaluated_at")
    return data


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_twice_is_byte_identical(path, cli):
    first = cli("evaluate", "--format", "json", str(path))
    second = cli("evaluate", "--format", "json", str(path))
    assert first[0] == second[0]
    a, b = first[1], second[1]
    assert _without_time(a) == _without_time(b)
    assert [line for line in a.splitlines() if "evaluated_at" not in line] == [
        line for line in b.splitlines() if "evaluated_at" not in line
    ]


def test_audit_names_versions_and_case_hash():
    case = cs.load_case(EXAMPLES / "bcbsma-colon-recurrent.json")
    det = cs.evaluate(case, policies=["bcbsma-278-iort"], evaluated_at="2026-01-01T00:00:00+00:00")[0]
    assert det.audit.case_sha256 == case_sha256(case)
    assert det.audit.plugin == "coverage-sdk-bcbsma-278-iort" and det.audit.sdk_version
    round_trip = cs.get_converter().structure(cs.unstructure(det), cs.Determination)
    assert round_trip == det
    assert to_json([det]) == to_json([round_trip])
