"""The policy's own example as a case, and evaluation, for the plugin's tests."""

from __future__ import annotations

import attrs

import coverage_sdk as cs
from coverage_sdk.policy.model import Audit
from coverage_sdk_imrt_oar_proximity import POLICY

AUDIT = Audit("0", "coverage-sdk-imrt-oar-proximity", "0", "sha", "now")

EXAMPLE_ROWS = (  # the policy's example table: organ, constraint, source, 3D, IMRT, last column
    ("Brachial plexus", "Max < 66 Gy", "RTOG", 58, 52, "No (both meet constraint)"),
    ("Cauda equina", "Max < 16 Gy", "RTOG #0631", 19, 17, "No (neither meets constraint)"),
    ("Brainstem", "Max < 54 Gy", "Quantec", 62, 52, "Yes (only IMRT meets constraint)"),
)
DOCUMENTS = ["clinical_history", "chart_notes", "imaging_reports", "dvh_comparison_color"]


def example_case(rows=EXAMPLE_ROWS, documentation=DOCUMENTS, date="2025-03-10", codes=("77301", "77386")) -> dict:
    return {
        "case_id": "example",
        "date_of_service": date,
        "procedures": [{"code": code} for code in codes],
        "documentation": list(documentation),
        "radiation": {
            "plans": [
                {"label": "3D", "technique": "3dcrt", "metrics": {organ: {"Dmax": v3} for organ, _, _, v3, _, _ in rows}},
                {"label": "IMRT", "technique": "imrt", "metrics": {organ: {"Dmax": vi} for organ, _, _, _, vi, _ in rows}},
            ],
            "oar_constraints": [{"organ": o, "constraint": c, "source": s} for o, c, s, _, _, _ in rows],
        },
    }


def decide(data: dict, base_dir: str | None = None):
    case = cs.structure_case(data)
    if base_dir is not None:
        case = attrs.evolve(case, base_dir=base_dir)
    return POLICY.evaluate(case, AUDIT)


def trail(det) -> dict:
    return {c.id: c for c in det.criteria}
