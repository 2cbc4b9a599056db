"""BCBSNC, Intensity Modulated Radiation Therapy (IMRT) for Sarcoma of the Extremities.

Source: shared/policies/bcbsnc-imrt-extremity-sarcoma.txt. IMRT is medically necessary when
the 3D plan irradiates a large share of the femur or humerus cortex circumference (>= 40 Gy)
or of a joint space (>= 35 Gy) and the IMRT plan lowers that share by enough absolute
percentage points; otherwise it is not medically necessary. The history gives two versions of
the one rule, as two sets of thresholds (the version's ``parameters``): from 2016-05-31 (the
effective date of the new policy) 50 % and 20 points, from 2019-05-28 25 % and 15 points.
Earlier dates of service are ``not_applicable``. The plan values come from the plans' DICOM or
their submitted metrics (:mod:`.plan_metrics`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import attrs

from coverage_sdk.policy.authoring import (
    Citation, Criterion, Otherwise, Policy, Rule, ServiceCodes, UnitLimit, Version, all_of, any_of, citer, criterion,
    is_, not_,
)  # fmt: skip
from coverage_sdk.policy.facts import Facts
from coverage_sdk.policy.model import Case, Outcome, PlanTechnique, SarcomaLocation, SummaryRow, TumorSite

from . import plan_metrics
from .plan_metrics import BONE, JOINT, PLAN_NAMES, Metric

DOCUMENT = "BCBSNC Medical Policy, Intensity Modulated Radiation Therapy (IMRT) for Sarcoma of the Extremities"
cite = citer(DOCUMENT)

POLICY_SECTION = "Policy"
COVERED = "When Intensity-Modulated Radiation Therapy (IMRT) for sarcoma of the extremities is covered"
NOT_COVERED = "When Intensity-Modulated Radiation Therapy (IMRT) for sarcoma of the extremities is not covered"
GUIDELINES = "Policy Guidelines"
CODING = "Billing/Coding/Physician Documentation Information"
HISTORY_2016 = "Policy Implementation/Update Information, 4/1/16"

BONES = ("femur", "humerus")
JOINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
THREE_D, IMRT = PlanTechnique.THREE_D_CRT, PlanTechnique.IMRT
NAMED_EXAMPLE = "radiation.structures.joint_kind_is_a_named_example"


@attrs.frozen
class Thresholds:
    """The numbers of one version, and the sentences that state them: the parameter
    ``policy_thresholds`` of that version."""

    effective_from: dt.date
    minimum_3d_pct: float
    minimum_reduction_points: float
    section: str
    bone_3d: str
    bone_reduction: str
    joint_3d: str
    joint_reduction: str


THRESHOLDS = (
    Thresholds(
        dt.date(2016, 5, 31), 50.0, 20.0, HISTORY_2016,
        "3D results in >=50% of the full circumference of the femur or humerus cortex receiving >=40Gy, AND",
        "IMRT results in a reduction in the absolute percent of the circumference of the bone receiving >=40Gy of "
        "at least 20% (e.g. from 60% to 40% of the bone’s circumference);",
        "OR 3D results in >=50% of the joint spaces (e.g. shoulder, elbow, wrist, hip, knee, ankle) receiving >=35Gy, AND",
        "IMRT results in a reduction in the absolute percent of the joint space receiving >=35Gy of at least 20% "
        "(e.g. from 60% to 40% of the joint space).",
    ),
    Thresholds(
        dt.date(2019, 5, 28), 25.0, 15.0, COVERED,
        "3D results in >=25% of the full circumference of the femur or humerus cortex receiving >=40Gy, AND",
        "IMRT results in a reduction in the absolute percent of the circumference of the bone receiving >=40Gy of "
        "at least 15% (e.g., from 40% to 25% of the bone’s circumference)",
        "OR - 3D results in >=25% of the joint spaces (e.g., shoulder, elbow, wrist, hip, knee, ankle) receiving >=35Gy, AND",
        "IMRT results in a reduction in the absolute percent of the joint space receiving >=35Gy of at least 15% "
        "(e.g., from 40% to 25% of the joint space).",
    ),
)  # fmt: skip

MINIMUM_3D = "policy_thresholds.minimum_3d_pct"
MINIMUM_REDUCTION = "policy_thresholds.minimum_reduction_points"
AT_LEAST_3D = "{policy_thresholds.minimum_3d_pct:g}"
AT_LEAST_POINTS = "{policy_thresholds.minimum_reduction_points:g}"
YEAR = "{policy_thresholds.effective_from.year}"
SECTION = "{policy_thresholds.section}"


def _three_d_at_least(metric: Metric, dose: str, thing: str, quote: str) -> Criterion:
    return criterion(
        f"{metric.role}-3d-ge-{AT_LEAST_3D}pct",
        f"The 3D plan gives >= {dose} to at least {AT_LEAST_3D} % of {thing}.",
        cite(SECTION, quote), (metric.path(THREE_D), MINIMUM_3D), lambda value, bound: value >= bound,
        lambda value, bound: f"the 3D plan gives >= {dose} to {value:g} % of {thing} (at least {bound:g} % is required)",
        required=(metric.path(THREE_D),), why_unknown=plan_metrics.unknown, interpretation=MEASURED,
    )  # fmt: skip


def _reduction_at_least(metric: Metric, quote: str) -> Criterion:
    drop = plan_metrics.drop
    return criterion(
        f"{metric.role}-reduction-ge-{AT_LEAST_POINTS}-points",
        f"The IMRT plan lowers that percentage by at least {AT_LEAST_POINTS} percentage points.",
        cite(SECTION, quote),
        (metric.path(THREE_D), metric.path(IMRT), metric.reduction_path, MINIMUM_REDUCTION, metric.sources_path),
        lambda before, after, reduction, bound, sources: drop(before, after) >= bound,
        lambda before, after, reduction, bound, sources: f"the IMRT plan lowers the {metric.role} percentage from "
        f"{before:g} % to {after:g} %, by {drop(before, after):g} percentage points (at least {bound:g} are required)",
        required=(metric.path(THREE_D), metric.path(IMRT)), why_unknown=plan_metrics.unknown, interpretation=ABSOLUTE_POINTS,
    )  # fmt: skip


MEASURED = (
    "The bone's percentage is bone_circumference_pct_ge_40gy of shared/spec/bone-circumference.md (the largest "
    "plane fraction at 2 mm cortex depth), the joint's is the joint ROI's V35Gy; each plan's value is computed from "
    "its DICOM when given (a submitted value is then reported beside it, flagged beyond 1 point), else submitted."
)
ABSOLUTE_POINTS = (
    "The reduction is 3D minus IMRT in absolute percentage points, as the policy's example shows "
    "(40 % to 25 % is 15); values and the reduction are compared at 1e-6 point, so decimals compare as written."
)

femur_or_humerus = criterion(
    "femur-or-humerus", "The bone is a femur or a humerus.",
    cite(COVERED, THRESHOLDS[1].bone_3d), ("radiation.structures.bone_kind",), lambda kind: kind in BONES,
    lambda kind: f"the bone is a {kind}, not a femur or humerus",
)  # fmt: skip
JOINTS_READING = (
    'The joints after "e.g." are examples (shared/spec/bone-circumference.md): any joint space of the extremity '
    "is decided on the same numbers; the evidence says whether the joint is one of the named examples."
)
named_joint = criterion(
    "joint-space", "The joint ROI is a joint space of the extremity (shoulder, elbow, wrist, hip, knee and ankle are examples).",
    cite(COVERED, THRESHOLDS[1].joint_3d), ("radiation.structures.joint", "radiation.structures.joint_kind", NAMED_EXAMPLE),
    lambda roi, kind, named: True, lambda roi, kind, named: f"the joint ROI {roi} is not a joint space",
    required=("radiation.structures.joint",), interpretation=JOINTS_READING,
)  # fmt: skip

sarcoma = is_(
    "sarcoma", "The tumor is a soft-tissue or bone sarcoma.",
    cite(POLICY_SECTION, "BCBSNC will provide coverage for Intensity modulated radiation therapy (IMRT) for sarcoma of the extremities when it is determined to be medically necessary because the medical criteria and guidelines noted below are met."),
    "tumor.site", TumorSite.SOFT_TISSUE_SARCOMA, TumorSite.BONE_SARCOMA,
    interpretation="\"Sarcoma of the extremities\" includes bone sarcomas; the description discusses soft-tissue sarcomas but the policy's title and statement do not restrict it.",
)  # fmt: skip
extremity = is_(
    "extremity", "The sarcoma is in an upper or lower extremity.", sarcoma.citation,
    "tumor.location", SarcomaLocation.EXTREMITY_UPPER, SarcomaLocation.EXTREMITY_LOWER,
)  # fmt: skip
outside_scope = not_(
    "not-extremity-sarcoma", "The request is not for a sarcoma of the extremities.", sarcoma.citation,
    all_of("extremity-sarcoma", "The tumor is a sarcoma of an extremity.", sarcoma.citation, sarcoma, extremity),
    interpretation="The service codes are shared by every IMRT policy; a request for another tumor is not_applicable here.",
)  # fmt: skip

bone_sparing = all_of(
    f"bone-sparing-{YEAR}",
    f"Femur or humerus: the 3D plan gives >= 40 Gy to at least {AT_LEAST_3D} % of the cortex circumference "
    f"and IMRT lowers that by at least {AT_LEAST_POINTS} percentage points.",
    cite(SECTION, "{policy_thresholds.bone_3d}"), femur_or_humerus,
    _three_d_at_least(BONE, "40 Gy", "the bone cortex circumference", "{policy_thresholds.bone_3d}"),
    _reduction_at_least(BONE, "{policy_thresholds.bone_reduction}"),
)  # fmt: skip
joint_sparing = all_of(
    f"joint-sparing-{YEAR}",
    f"Joint: the 3D plan gives >= 35 Gy to at least {AT_LEAST_3D} % of the joint space "
    f"and IMRT lowers that by at least {AT_LEAST_POINTS} percentage points.",
    cite(SECTION, "{policy_thresholds.joint_3d}"), named_joint,
    _three_d_at_least(JOINT, "35 Gy", "the joint space", "{policy_thresholds.joint_3d}"),
    _reduction_at_least(JOINT, "{policy_thresholds.joint_reduction}"),
)  # fmt: skip
covered = any_of(
    f"medically-necessary-{YEAR}", "IMRT spares the femur or humerus, or a joint space, enough.",
    cite(SECTION, "Intensity-modulated radiation therapy (IMRT) may be considered medically necessary for the treatment of sarcoma of the extremities when the following criteria are met:"),
    bone_sparing, joint_sparing,
)  # fmt: skip

joint_not_named = all_of(
    f"joint-not-a-named-example-{YEAR}", "The joint space that decides is not one of the examples the policy names.",
    cite(SECTION, "{policy_thresholds.joint_3d}"), joint_sparing,
    criterion(
        "joint-kind-not-named", "The joint is not a shoulder, elbow, wrist, hip, knee or ankle.",
        cite(COVERED, THRESHOLDS[1].joint_3d), (NAMED_EXAMPLE,), lambda named: named is False, interpretation=JOINTS_READING,
    ),
)  # fmt: skip
JOINT_NOT_NAMED = (
    "The joint is not one of the examples the policy names (shoulder, elbow, wrist, hip, knee, ankle); "
    "it is decided on the same numbers, since the list follows \"e.g.\"."
)

RULES = (
    Rule(
        outside_scope, Outcome.NOT_APPLICABLE,
        "This policy decides IMRT for sarcoma of the extremities only; the tumor in this request is not an "
        "extremity sarcoma, so another IMRT policy applies.",
    ),
    Rule(
        covered, Outcome.MEDICALLY_NECESSARY,
        f"IMRT is medically necessary: compared with the 3D plan it lowers the share of the femur or humerus "
        f"cortex circumference (>= 40 Gy) or of the joint space (>= 35 Gy) by at least "
        f"{AT_LEAST_POINTS} percentage points, from a 3D share of at least {AT_LEAST_3D} %.",
        requirement=(
            f"BCBSNC covers IMRT for extremity sarcoma when the 3D plan gives >= 40 Gy to at least {AT_LEAST_3D} % "
            f"of the femur or humerus cortex circumference, or >= 35 Gy to at least {AT_LEAST_3D} % of a shoulder, "
            f"elbow, wrist, hip, knee, ankle or other joint space, and the IMRT plan lowers that percentage by at least "
            f"{AT_LEAST_POINTS} percentage points"
        ),
        remarks=((joint_not_named, JOINT_NOT_NAMED),),
    ),
)  # fmt: skip
OTHERWISE = Otherwise(
    Outcome.NOT_MEDICALLY_NECESSARY,
    "IMRT for this extremity sarcoma is not medically necessary under this policy: the plans do not show the "
    "required sparing of the femur or humerus or of a joint space.",
    id="not-covered-otherwise",
    text="IMRT is not medically necessary when the criteria above are not met.",
    citation=cite(NOT_COVERED, "Intensity modulated radiation therapy (IMRT) is considered not medically necessary and therefore not covered when above criteria are not met."),
)  # fmt: skip


def _version(t: Thresholds) -> Version:
    return Version(
        effective_from=t.effective_from,
        summary=f"3D >= {AT_LEAST_3D} % (bone >= 40 Gy, joint >= 35 Gy) and IMRT lower by >= {AT_LEAST_POINTS} points.",
        rules=RULES,
        otherwise=OTHERWISE,
        parameters={"policy_thresholds": t},
    )


def _summary(facts: Facts) -> list[SummaryRow]:
    """One row per structure the request names: each plan's value, the reduction, the sources."""
    case = facts.case
    t = facts.get("policy_thresholds")
    structures = case.radiation.structures if case.radiation else None
    rows = []
    for metric, dose, kind in ((BONE, "40 Gy", "bone_kind"), (JOINT, "35 Gy", "joint_kind")):
        roi = getattr(structures, metric.role) if structures else None
        if roi is None:
            continue
        before, after = facts.get(metric.path(THREE_D)), facts.get(metric.path(IMRT))
        reduction = facts.get(metric.reduction_path)
        sources = facts.get(metric.sources_path)
        flags = [
            f"{PLAN_NAMES[tech]} plan: DICOM gives {found['computed_from_dicom']:g} %, submitted {found['submitted']:g} %"
            for tech, found in ((tech, sources[tech.value]) for tech in PLAN_NAMES)
            if isinstance(found, dict) and found.get("disagreement_over_1_point")
        ]
        conclusion = "reduction unknown" if reduction is None else f"reduction {reduction:g} points"
        if flags:
            conclusion += "; DISAGREEMENT over 1 point between DICOM and submitted values (" + "; ".join(flags) + ")"
        rows.append(SummaryRow(
            organ=f"{roi} ({getattr(structures, kind) or 'kind not given'})",
            constraint=f"% {'cortex circumference' if metric is BONE else 'volume'} >= {dose}: 3D >= {t.minimum_3d_pct:g} %, "
            f"reduction >= {t.minimum_reduction_points:g} points",
            source=f"{DOCUMENT}, version of {t.effective_from.isoformat()}",
            value_3d=before, value_imrt=after, met_3d=None if before is None else before >= t.minimum_3d_pct,
            met_imrt=None, only_imrt_meets=None, conclusion=conclusion,
        ))  # fmt: skip
    return rows


def _named_example(case: Case) -> bool | None:
    structures = case.radiation.structures if case.radiation else None
    kind = structures.joint_kind if structures else None
    return None if kind is None else kind in JOINTS


def _derived() -> dict[str, Callable[[Case], object]]:
    facts: dict[str, Callable[[Case], object]] = {NAMED_EXAMPLE: _named_example}
    for metric in (BONE, JOINT):
        for technique in PLAN_NAMES:
            facts[metric.path(technique)] = functools.partial(plan_metrics.value, metric=metric, technique=technique)
        facts[metric.reduction_path] = functools.partial(plan_metrics.reduction, metric=metric)
        facts[metric.sources_path] = functools.partial(plan_metrics.sources, metric=metric)
    return facts


UNITS_SENTENCE = cite(GUIDELINES, "CPT 77338 is reported once per IMRT plan and is limited to 3 units per 60-day treatment course.")
ONCE_PER_PLAN_77338 = UnitLimit("77338", 1, "IMRT plan", UNITS_SENTENCE, per_plan=IMRT)
UNITS_77338 = UnitLimit("77338", 3, "60-day treatment course", UNITS_SENTENCE, days=60)
SERVICE_CODES_SOURCE: Citation = cite(CODING, "Applicable service codes: 77301, 77338, 77385, 77386, G6015, G6016")

POLICY = Policy(
    id="bcbsnc-imrt-extremity-sarcoma",
    title="Intensity Modulated Radiation Therapy (IMRT) for Sarcoma of the Extremities (BCBSNC)",
    payer="Blue Cross and Blue Shield of North Carolina",
    payer_id="bcbsnc",
    document="bcbsnc-imrt-extremity-sarcoma.txt",
    services=ServiceCodes(cpt=("77301", "77338", "77385", "77386"), hcpcs=("G6015", "G6016")),
    versions=tuple(_version(t) for t in THRESHOLDS),
    unit_limits=(ONCE_PER_PLAN_77338, UNITS_77338),
    derived=_derived(),
    summary_table=_summary,
    origin=THRESHOLDS[0].effective_from,
)
