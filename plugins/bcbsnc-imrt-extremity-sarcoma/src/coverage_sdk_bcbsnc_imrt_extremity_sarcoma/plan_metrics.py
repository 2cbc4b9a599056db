"""The plan values the policy compares: each plan's value from its DICOM, its submitted metrics, or both.

shared/spec/bone-circumference.md defines the two metrics (the bone's cortex circumference at
>= 40 Gy, the joint's V35Gy); shared/spec/interchange.md says where a plan's value comes from:
``radiation.plans[].dicom`` (computed here, the ROI named by ``radiation.structures``) or
``radiation.plans[].metrics[ROI][key]`` (submitted). Where both exist the computed value decides,
both are reported, and a difference of more than 1 percentage point is flagged.

Values and the 3D - IMRT reduction are rounded to ``PRECISION`` decimals of a percentage
point before they are compared, which removes floating-point noise (40.1 - 25.1 is 15.0, as
written) and nothing else.
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path

import attrs

from coverage_sdk.dose.circumference import bone_circumference
from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct
from coverage_sdk.dose.dvh import compute_dvh
from coverage_sdk.errors import InputError
from coverage_sdk.policy.model import Case, Plan, PlanTechnique

PRECISION = 6
DISAGREEMENT_POINTS = 1.0
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


BONE = Metric("bone", "bone_circumference_pct_ge_40gy", "percent of the bone cortex circumference receiving >= 40 Gy")
JOINT = Metric("joint", "joint_pct_ge_35gy", "percent of the joint space receiving >= 35 Gy")


@attrs.frozen
class PlanValue:
    """One plan's value: computed from its DICOM, submitted, or both; ``notes`` on the computation."""

    plan: str
    computed: float | None
    submitted: float | None
    notes: tuple[str, ...] = ()

    @property
    def value(self) -> float:
        return self.computed if self.computed is not None else self.submitted

    @property
    def difference(self) -> float | None:
        if self.computed is None or self.submitted is None:
            return None
        return round(self.computed - self.submitted, PRECISION)

    @property
    def disagrees(self) -> bool:
        return self.difference is not None and abs(self.difference) > DISAGREEMENT_POINTS

    def evidence(self) -> dict[str, object]:
        out: dict[str, object] = {"plan": self.plan, "computed_from_dicom": self.computed, "submitted": self.submitted}
        if self.difference is not None:
            out["computed_minus_submitted_points"] = self.difference
            out["disagreement_over_1_point"] = self.disagrees
        if self.notes:
            out["notes"] = list(self.notes)
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
    submitted = (plan.metrics or {}).get(roi, {}).get(metric.key)
    if submitted is not None and not 0.0 <= submitted <= 100.0:
        where = f"radiation.plans[{case.radiation.plans.index(plan)}].metrics.{roi}.{metric.key}"
        raise InputError(f"expected a percentage from 0 to 100, got {submitted!r}", location=where)
    if plan.dicom is None and submitted is None:
        return (
            f"the {name} plan {plan.label!r} has neither DICOM (dicom.rtdose, dicom.rtstruct) "
            f"nor a submitted metrics[{roi!r}].{metric.key}"
        )
    computed, notes = (None, ()) if plan.dicom is None else _computed(case, plan, metric, roi)
    return PlanValue(plan.label, computed, None if submitted is None else round(submitted, PRECISION), notes)


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
        out[technique.value] = found.evidence() if isinstance(found, PlanValue) else found
    return out


def _path(case: Case, given: str) -> str:
    path = Path(given)
    return str(path if path.is_absolute() else Path(case.base_dir or ".") / path)


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _computed(case: Case, plan: Plan, metric: Metric, roi: str) -> tuple[float, tuple[str, ...]]:
    dose, structures = _path(case, plan.dicom.rtdose), _path(case, plan.dicom.rtstruct)
    return _compute(metric, dose, _stamp(dose), structures, _stamp(structures), roi)


@functools.lru_cache(maxsize=32)
def _compute(metric: Metric, dose_path: str, dose_stamp, structures_path: str, structures_stamp, roi: str):
    """The metric on one plan's files; cached by path and modification stamp (one case asks several times)."""
    dose = read_rtdose(dose_path)
    structure_set = read_rtstruct(structures_path)
    if roi not in structure_set:
        names = ", ".join(sorted(structure_set)) or "none"
        raise InputError(
            f"ROI {roi!r} (radiation.structures.{metric.role}) is not in this structure set; its ROIs: {names}",
            source=structures_path,
        )
    structure = structure_set[roi]
    try:
        if metric.role == BONE.role:
            report = bone_circumference(dose, structure)
            notes = (
                f"largest fraction on the plane z = {report.max_plane_z:g} mm; "
                f"{report.length_ge_25pct_cm:g} cm of bone at >= 25 %",
                *report.notes,
            )
            if report.points_outside_grid:
                notes += (f"{report.points_outside_grid} sample points lie outside the dose grid and count as 0 Gy",)
            return round(report.max_fraction_pct, PRECISION), notes
        dvh = compute_dvh(dose, structure)
    except ValueError as exc:
        raise InputError(f"cannot compute {metric.key} of ROI {roi!r} in {dose_path}: {exc}", source=structures_path) from None
    v35 = dvh.statistic("V35Gy")
    if math.isnan(v35):
        raise InputError(f"ROI {roi!r} lies wholly outside the dose grid", source=dose_path)
    notes = (f"{dvh.volume_outside_cc:.2f} cc of the ROI lie outside the dose grid and are left out",) if dvh.outside_grid else ()
    return round(v35, PRECISION), notes
