"""Fixtures of the CG_226 tests: one complete case per site, changed fact by fact, and decided.

Changes are ``{"dotted.path": value}``; ``None`` makes the fact unknown (JSON null).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

import coverage_sdk
from coverage_sdk.policy.model import Audit, Determination, Result
from coverage_sdk_evolent_cg226_iort import POLICY

AUDIT = Audit("test", "coverage-sdk-evolent-cg226-iort", "test", "0" * 64, "2024-01-01T00:00:00+00:00")

_ELECTRON = {"technique": "electron", "device": "Mobetron", "fractions": 1, "role": "boost"}
BASES: dict[str, dict[str, Any]] = {
    "breast": {
        "patient": {"age_years": 62, "sex": "female"}, "diagnoses": ["C50.411"],
        "tumor": {"histology": "invasive ductal carcinoma", "invasive": True, "t_stage": "T1c",
                  "clinical_node_status": "negative", "margin_status": "negative"},
        "radiation": {"iort": {**_ELECTRON, "role": "monotherapy"}},
    },
    "cervical": {
        "diagnoses": ["C53.9"],
        "tumor": {"recurrent": True, "central_disease": True, "prior_radiation_to_site": True,
                  "margin_status": "negative", "high_risk_of_recurrence": False},
        "radiation": {"iort": _ELECTRON},
    },
    "colon": {
        "diagnoses": ["C18.7"],
        "tumor": {"t_stage": "T4b", "penetration_or_perforation": True, "margin_status": "close",
                  "recurrent": False, "high_risk_of_recurrence": False},
        "radiation": {"iort": _ELECTRON},
    },
    "rectal": {
        "diagnoses": ["C20"],
        "tumor": {"t_stage": "T4a", "recurrent": False, "margin_status": "close", "high_risk_of_recurrence": False},
        "radiation": {"iort": _ELECTRON},
    },
    "pancreas": {
        "diagnoses": ["C25.0"],
        "tumor": {"resectability": "borderline", "margin_status": "close", "high_risk_of_recurrence": False},
        "radiation": {"iort": _ELECTRON},
    },
    "sarcoma": {
        "diagnoses": ["C49.4"],
        "tumor": {"high_risk_of_recurrence": True, "margin_status": "negative"},
        "radiation": {"iort": {**_ELECTRON, "technique": "hdr_brachytherapy", "device": "microSelectron HDR"}},
    },
    "lung": {
        "diagnoses": ["C34.11"],
        "tumor": {"margin_status": "positive", "high_risk_of_recurrence": True},
        "radiation": {"iort": _ELECTRON},
    },
}  # fmt: skip


def case_data(site: str, changes: dict[str, Any] | None = None, date: str = "2024-05-14") -> dict[str, Any]:
    """The complete ``site`` case with ``changes`` ({"tumor.t_stage": "T2", "patient.age_years": None})."""
    data = {"case_id": f"evolent-{site}", "date_of_service": date, "procedures": [{"code": "77425"}], **copy.deepcopy(BASES[site])}
    for path, value in (changes or {}).items():
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return data


def _decide(site: str, changes: dict[str, Any] | None = None, date: str = "2024-05-14") -> Determination:
    return POLICY.evaluate(coverage_sdk.structure_case(case_data(site, changes, date)), AUDIT)


def _results(det: Determination) -> dict[str, Result]:
    return {c.id: c.result for c in det.criteria}


@pytest.fixture
def decide():
    """``decide(site, changes=None, date="2024-05-14")``: the determination of that case."""
    return _decide


@pytest.fixture
def results():
    """``results(determination)``: criterion id -> result, from the trail."""
    return _results
