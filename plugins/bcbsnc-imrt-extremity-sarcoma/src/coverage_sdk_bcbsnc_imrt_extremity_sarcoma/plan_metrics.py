"""The plan values the policy compares: each plan's value from its DICOM, its submitted metrics, or both.

shared/spec/bone-circumference.md defines the two metrics (the bone's cortex circumference at
>= 40 Gy, the joint's V35Gy), measured on the ROI ``radiation.structures`` names; where a
plan's value comes from, and when DICOM and submitted values disagree, is
:mod:`coverage_sdk.dose.plan_values`. This module picks the one plan of each technique and
names the facts the policy reads.

Values and the 3D - IMRT reduction are rounded to ``PRECISION`` decimals of a percentage
point before they are compared, which removes floating-point noise (40.1 - 25.1 is 15.0, as
written) and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import attrs

from coverage_sdk.dose import plan_values
from coverage_sdk.dose.plan_values import PRECISION, PlanValue
from coverage_sdk.errors import InputError
from coverage_sdk.policy.facts import Facts
from coverage_sdk.policy.model import Case, Plan, PlanDicom, PlanTechnique

PLAN_NAMES = {PlanTechnique.THREE_D_CRT: "3D", PlanTechnique.IMRT: "IMRT"}


@attrs.frozen
class Metric:
    """A compared metric: the structure role it is measured on and its metric key."""

    role: str
    key: str
    words: str

    def path(self, technique: PlanTechnique) -> str:
        """The fact holding one plan's value, e.g. ``plan_metrics.3dcrt_bone_circumference_pct_ge_40gy``."""
        return f"plan_metrics.{technique.value}_{self.key}"

    @property
    def reduction_path(self) -> str:
        return f"plan_metrics.{self.role}_reduction_points"

    @property
    def sources_path(self) -> str:
        return f"plan_metrics.{self.role}_sources"


BONE = Metric("bone", plan_values.BONE_CIRCUMFERENCE, "percent of the bone cortex circumference receiving >= 40 Gy")
JOINT = Metric("joint", plan_values.JOINT_V35, "percent of the joint space receiving >= 35 Gy")
_LOCATIONS = {metric.path(t): (metric, t) for metric in (BONE, JOINT) for t in PLAN_NAMES}


def evidence(found: PlanValue) -> dict[str, object]:
    """Where one plan's value comes from: computed, submitted, their difference, the flag."""
    out: dict[str, object] = {"plan": found.plan, "computed_from_dicom": found.computed, "submitted": found.submitted}
    if found.difference is not None:
        out["computed_minus_submitted_points"] = found.difference
        out["disagreement_over_1_point"] = found.disagrees
    if found.notes:
        out["notes"] = list(found.notes)
    return out


def _plan(case: Case, technique: PlanTechnique) -> Plan | None:
    plans = [p for p in (case.radiation.plans if case.radiation else []) if p.technique is technique]
    if len(plans) > 1:
        labels = ", ".join(repr(p.label) for p in plans)
        raise InputError(
            f"expected one {technique.value} plan to compare, found {len(plans)} ({labels})", location="radiation.plans"
        )
    return plans[0] if plans else None


def _roi(case: Case, metric: Metric) -> str | None:
    structures = case.radiation.structures if case.radiation else None
    return getattr(structures, metric.role) if structures else None


def locate(case: Case, metric: Metric, technique: PlanTechnique) -> PlanValue | str:
    """The plan's value, or a sentence saying why it is unknown and how to supply it."""
    name = PLAN_NAMES[technique]
    plan = _plan(case, technique)
    if plan is None:
        return f"no {name} plan is given (radiation.plans[] with technique {technique.value!r})"
    roi = _roi(case, metric)
    if roi is None:
        return f"radiation.structures.{metric.role} does not name the {metric.role} ROI whose {metric.key} the {name} plan must give"
    submitted = plan_values.submitted(plan, roi, metric.key)
    if submitted is not None and not 0.0 <= submitted <= 100.0:
        assert case.radiation is not None  # _plan found the plan among its plans
        where = f"radiation.plans[{case.radiation.plans.index(plan)}].metrics.{roi}.{metric.key}"
        raise InputError(f"expected a percentage from 0 to 100, got {submitted!r}", location=where)
    if plan.dicom is None and submitted is None:
        return (
            f"the {name} plan {plan.label!r} has neither DICOM (dicom.rtdose, dicom.rtstruct) "
            f"nor a submitted metrics[{roi!r}].{metric.key}"
        )
    computed, notes = (None, ()) if plan.dicom is None else _computed(case, plan, plan.dicom, metric, roi)
    submitted = None if submitted is None else round(submitted, PRECISION)
    return PlanValue(plan.label, metric.key, computed, submitted, roi=roi, notes=notes)


def unknown(facts: Facts, paths: Sequence[str]) -> Iterator[tuple[str, str]]:
    """Each unknown plan value, with why it is unknown and how to supply it."""
    for path in paths:
        found = locate(facts.case, *_LOCATIONS[path])
        if isinstance(found, str):
            yield path, found


def value(case: Case, metric: Metric, technique: PlanTechnique) -> float | None:
    found = locate(case, metric, technique)
    return found.value if isinstance(found, PlanValue) else None


def drop(before: float, after: float) -> float:
    """3D minus IMRT, in absolute percentage points (the policy's "absolute percent")."""
    return round(before - after, PRECISION)


def reduction(case: Case, metric: Metric) -> float | None:
    before, after = value(case, metric, PlanTechnique.THREE_D_CRT), value(case, metric, PlanTechnique.IMRT)
    return None if before is None or after is None else drop(before, after)


def sources(case: Case, metric: Metric) -> dict[str, object]:
    """Where each plan's value comes from: computed, submitted, their difference, the flag."""
    out: dict[str, object] = {}
    for technique in PLAN_NAMES:
        found = locate(case, metric, technique)
        out[technique.value] = evidence(found) if isinstance(found, PlanValue) else found
    return out


def _computed(case: Case, plan: Plan, files: PlanDicom, metric: Metric, roi: str) -> tuple[float, tuple[str, ...]]:
    dicom = plan_values.read_plan(case, plan)
    dose_path, structures_path = files.rtdose, files.rtstruct
    if roi not in dicom.structures:
        names = ", ".join(sorted(dicom.structures)) or "none"
        raise InputError(
            f"ROI {roi!r} (radiation.structures.{metric.role}) is not in this structure set; its ROIs: {names}",
            source=structures_path,
        )
    try:
        measured, notes = dicom.measure(roi, metric.key)
    except ValueError as exc:
        raise InputError(f"cannot compute {metric.key} of ROI {roi!r} in {dose_path}: {exc}", source=structures_path) from None
    if measured is None:
        raise InputError(f"ROI {roi!r} lies wholly outside the dose grid", source=dose_path)
    return round(measured, PRECISION), notes
