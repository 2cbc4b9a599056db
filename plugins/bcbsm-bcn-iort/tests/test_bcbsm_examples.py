"""The example cases of the README, decided through the installed plugin, and the quotes."""

from __future__ import annotations

from importlib.resources import files

import pytest

import coverage_sdk
from coverage_sdk.policy.model import Outcome
from coverage_sdk.testing import normalise
from coverage_sdk_bcbsm_bcn_iort import POLICY

EXAMPLES = sorted((files("coverage_sdk_bcbsm_bcn_iort") / "data" / "examples").glob("*.json"))
EXPECTED = {
    "bcbsm-rectal-t4-positive-margins.json": (Outcome.MEDICALLY_NECESSARY, []),
    "bcbsm-rectal-t4-negative-margins.json": (Outcome.INVESTIGATIONAL, []),
    "bcbsm-retroperitoneal-sarcoma-frozen-section-pending.json": (
        Outcome.INSUFFICIENT_INFORMATION, ["tumor.frozen_section_confirms_non_gist_non_desmoid"],
    ),
    "bcbsm-bcna-medicare-advantage-recurrent-cervical.json": (Outcome.CLINICAL_REVIEW, []),
}  # fmt: skip


def test_every_example_has_an_expectation():
    assert sorted(p.name for p in EXAMPLES) == sorted(EXPECTED)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example(path):
    (det,) = coverage_sdk.evaluate(coverage_sdk.load_case(path), policies=["bcbsm-bcn-iort"])
    outcome, missing = EXPECTED[path.name]
    assert det.outcome is outcome and det.error is None
    assert [m.field for m in det.missing_information] == missing
    assert det.policy_version == "2024-07-01" and det.prior_authorization_required is None
    assert [item.outcome for item in det.line_items] == [outcome] * len(det.line_items)


CITATIONS = {
    **{node.id: node.citation for node in POLICY.criteria()},
    **{version.otherwise.id: version.otherwise.citation for version in POLICY.versions},
}


@pytest.mark.parametrize("where", sorted(CITATIONS))
def test_every_quote_is_verbatim_in_the_document(document, where):
    assert normalise(CITATIONS[where].quote) in normalise(document.read_text(encoding="utf-8"))
