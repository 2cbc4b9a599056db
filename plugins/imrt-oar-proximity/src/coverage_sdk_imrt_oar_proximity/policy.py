"""Intensity Modulated Radiotherapy (IMRT) for Tumors in Close Proximity to Organs at Risk.

Source: shared/policies/imrt-organs-at-risk.txt (effective January 1, 2025; date of origin
July 2019). The document carries no policy history, so the only criteria we know are those
in force from 2025-01-01: one version, open-ended. A date of service from July 2019 to the end
of 2024 falls in the policy's life but its text then is not encoded: ``clinical_review`` with
the warning ``version_not_encoded``; earlier dates are ``not_applicable``. Image fusion (CPT
77399) is "considered part of the treatment planning": its line is bundled, not approved alone.
"""

from __future__ import annotations

import datetime as dt

from coverage_sdk.policy.authoring import (
    Bundled, Otherwise, Policy, Rule, ServiceCodes, Version, all_of, citer, criterion, documented,
)  # fmt: skip
from coverage_sdk.policy.model import Documentation, Outcome

from . import comparison
from .comparison import FACT

cite = citer("IMRT for Tumors in Close Proximity to Organs at Risk (effective January 1, 2025)")

CRITERIA = "Medical Policy Criteria"
DOCUMENTATION = "List of Information Needed for Review, Required Documentation"

STATEMENT_I = (
    "Intensity modulated radiotherapy (IMRT) may be considered medically necessary for primary and metastatic "
    "tumors in close proximity to organs at risk, when comparative 3D versus IMRT dose/volume histograms are "
    "submitted in color AND the summary analysis (table preferred; with preauthorization request) is completed "
    "demonstrating that only through IMRT can published dose/volume constraints be met for organs at risk "
    "(quality assurance procedures are not required for preauthorization)."
)
STATEMENT_II = (
    "Intensity-modulated radiotherapy (IMRT) is considered not medically necessary for the treatment of tumors "
    "not meeting the criteria above"
)
NOTE_II = "Please use Medicine, Policy No. 164, 165, or 166 (see Cross References) for specific indications addressed in those policies"
CROSS_REFERENCES = (
    "Policy No. 164 (IMRT of the central nervous system, head, neck and thyroid), Policy No. 165 (IMRT of the thorax, "
    "abdomen, pelvis and extremities) or Policy No. 166 (IMRT for breast cancer)"
)
IMAGE_FUSION = (
    "The correct code to use for image fusion performed to provide enhanced delineation of target and normal critical "
    "structures is CPT code 77399 (Unlisted procedure, medical radiation physics, dosimetry and treatment devices, and "
    "special services); however, it is considered part of the treatment planning."
)

clinical_history = documented(
    "clinical-history", "The clinical history is submitted.", cite(DOCUMENTATION, "Clinical history"),
    Documentation.CLINICAL_HISTORY,
)  # fmt: skip
chart_notes = documented(
    "chart-notes", "Physical/chart notes are submitted.", cite(DOCUMENTATION, "Physical/chart notes"),
    Documentation.CHART_NOTES,
)  # fmt: skip
imaging_reports = documented(
    "imaging-reports", "Relevant imaging reports are submitted.",
    cite(DOCUMENTATION, "Relevant imaging reports documenting that the policy criteria are met for medical necessity."),
    Documentation.IMAGING_REPORTS,
)  # fmt: skip
dvh_comparison = documented(
    "dvh-comparison-color", "Comparative 3D versus IMRT dose/volume histograms in color are submitted.",
    cite(DOCUMENTATION, "Comparative 3D versus IMRT dose/volume histograms in color and the completed analysis as described in the criteria above."),
    Documentation.DVH_COMPARISON_COLOR,
)  # fmt: skip
required_documentation = all_of(
    "required-documentation", "The required documentation is submitted.",
    cite(DOCUMENTATION, "It is critical that the list of information below is submitted for review to determine if the policy criteria are met."),
    clinical_history, chart_notes, imaging_reports, dvh_comparison,
)  # fmt: skip
only_imrt_meets = criterion(
    "only-imrt-meets-constraint",
    "For at least one organ at risk, a published dose/volume constraint (RTOG, QUANTEC, SWOG or another cooperative "
    "group, CORSAIR, or institutional) is met by the IMRT plan and not by the 3D plan.",
    cite(DOCUMENTATION, "The submitted information must demonstrate the need for IMRT to meet dose constraints not achievable through 3D planning."),
    (FACT,), comparison.only_imrt_meets, comparison.why_not, required=(), why_unknown=comparison.undecided,
    interpretation=(
        "The summary analysis is the case's radiation.oar_constraints rows with the 3D-CRT and IMRT plans' values "
        "(submitted metrics, or computed from the plans' DICOM, which decides when both exist; a difference over "
        "1 percentage point or 1 % of the dose is flagged); a separate summary_analysis_table document is not "
        "required, since the policy only prefers a table. One organ whose constraint only IMRT meets suffices; a "
        "row that lacks its source or a plan value blocks the decision only when no other row qualifies. A source "
        "counts when it names RTOG/NRG, QUANTEC, SWOG or another cooperative group, CORSAIR, or an institution; "
        "a constraint looser than the published one of the same source is flagged in the evidence and raised as the "
        "warning constraint_looser_than_published: where reading it at the published limit would change an approval, "
        "a person decides (the policy asks that \"published dose/volume constraints\" be met)."
    ),
)  # fmt: skip

medically_necessary = all_of(
    "medically-necessary",
    "Colour 3D vs IMRT DVHs and the required documentation are submitted, and the summary analysis shows that "
    "only IMRT meets a published dose constraint for an organ at risk.",
    cite(CRITERIA, STATEMENT_I),
    required_documentation, only_imrt_meets,
    interpretation=(
        "Close proximity to an organ at risk is shown by the organ-at-risk analysis itself: the policy names no "
        "other measure of proximity."
    ),
)  # fmt: skip

REQUIREMENT = (
    "This policy covers IMRT only when comparative 3D versus IMRT dose-volume histograms in colour and the summary "
    "analysis show that a published dose constraint for an organ at risk can be met only with IMRT"
)

VERSION_2025 = Version(
    effective_from=dt.date(2025, 1, 1),
    summary="Medically necessary when colour 3D vs IMRT DVHs and the summary analysis show a published OAR constraint only IMRT meets.",
    rules=(
        Rule(
            medically_necessary,
            Outcome.MEDICALLY_NECESSARY,
            "This request meets the policy: the required documentation is submitted and, for at least one organ at "
            "risk, a published dose constraint is met by the IMRT plan and not by the 3D plan.",
            requirement=REQUIREMENT,
        ),
    ),
    otherwise=Otherwise(
        Outcome.NOT_MEDICALLY_NECESSARY,
        "IMRT is not medically necessary under this policy for tumors not meeting its criteria: the 3D plan meets "
        "the submitted organ-at-risk constraints as well as IMRT does, or neither plan does. The policy's note: for "
        f"specific indications addressed in {CROSS_REFERENCES}, the request is to be decided under that policy.",
        id="not-medically-necessary",
        text="IMRT for tumors not meeting the criteria above is not medically necessary.",
        citation=cite(CRITERIA, STATEMENT_II),
        interpretation=(
            f'The NOTE "{NOTE_II}" is said in the reason: a reviewer sends CNS, head and neck, thorax, abdomen, pelvis, '
            "extremity and breast indications that those policies address to them."
        ),
    ),
)

POLICY = Policy(
    id="imrt-oar-proximity",
    title="Intensity Modulated Radiotherapy (IMRT) for Tumors in Close Proximity to Organs at Risk",
    payer="not named in the policy document",
    document="imrt-organs-at-risk.txt",
    services=ServiceCodes(cpt=("77301", "77338", "77385", "77386"), hcpcs=("G6015", "G6016")),
    versions=(VERSION_2025,),
    derived={FACT: comparison.comparison},
    summary_table=comparison.summary_table,
    origin=dt.date(2019, 7, 1),
    bundled=(Bundled("77399", "the IMRT treatment planning, 77301", cite("Codes", IMAGE_FUSION)),),
)
