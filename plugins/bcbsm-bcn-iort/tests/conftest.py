"""Fixtures of the BCBSM/BCN IORT plugin tests: build a case from a few facts and decide it."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from coverage_sdk import structure_case
from coverage_sdk.policy.model import Audit, Determination, Result
from coverage_sdk_bcbsm_bcn_iort import POLICY

DOCUMENT = files("coverage_sdk_bcbsm_bcn_iort") / "data" / "bcbsm-bcn-iort.txt"
AUDIT = Audit("test", "coverage-sdk-bcbsm-bcn-iort", "test", "0" * 64, "2026-01-01T00:00:00+00:00")


def make_case(facts: dict) -> dict:
    """A case dict from flat facts: tumor fields, plus ``day``, ``lob``, ``role`` and ``diagnoses``.

    Defaults: 2024-09-02, commercial HMO, IORT as a boost, CPT 77425; ``None`` removes a default.
    """
    facts = {"day": "2024-09-02", "lob": "commercial_hmo", "role": "boost", **facts}
    day, lob, role, diagnoses = (facts.pop(key, None) for key in ("day", "lob", "role", "diagnoses"))
    case = {"case_id": "test", "date_of_service": day, "procedures": [{"code": "77425"}], "tumor": facts}
    if lob is not None:
        case["line_of_business"] = lob
    if role is not None:
        case["radiation"] = {"iort": {"role": role}}
    if diagnoses is not None:
        case["diagnoses"] = diagnoses
    return case


def decide_facts(**facts) -> Determination:
    return POLICY.evaluate(structure_case(make_case(facts)), AUDIT)


def trail(det: Determination) -> dict[str, Result]:
    return {c.id: c.result for c in det.criteria}


@pytest.fixture
def decide():
    """``decide(site="rectum", t_stage="T4", ...)`` -> the Determination of the policy."""
    return decide_facts


@pytest.fixture
def results():
    """The criteria trail of a determination as ``{criterion id: Result}``."""
    return trail


@pytest.fixture
def document() -> Path:
    return DOCUMENT
