"""The organ-by-organ 3D versus IMRT analysis of a case: the derived fact ``oar.comparison``.

For each ``radiation.oar_constraints`` row, the value the constraint limits is taken for the
3D-CRT and the IMRT plan of ``radiation.plans``: computed from the plan's DICOM (RT Dose and
RT Structure Set, paths relative to the case file) with the DVH engine, and read from the
plan's submitted ``metrics``. Where both exist both are reported, and a disagreement larger
than 1 percentage point or 1 % of the dose is flagged (shared/spec/interchange.md); the
computed value decides. A value that can be neither read nor computed is missing, named by
its JSON path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from coverage_sdk.dose import plan_values
from coverage_sdk.dose.constraint_library import looser_than_published, source_name
from coverage_sdk.dose.plan_values import PlanDose, PlanValue
from coverage_sdk.errors import InputError
from coverage_sdk.policy import logic
from coverage_sdk.policy.facts import Facts
from coverage_sdk.policy.model import Case, Plan, PlanTechnique, Radiation, Result, SummaryRow
from coverage_sdk_imrt_oar_proximity.compare_plans import parsed, summary_row, unit_of

FACT = "oar.comparison"
PLAN_NAMES = {PlanTechnique.THREE_D_CRT: "3D", PlanTechnique.IMRT: "IMRT"}


def evidence(found: PlanValue) -> dict[str, Any]:
    """One plan's value as the trail shows it: submitted, computed, which one counts, and any problem."""
    out: dict[str, Any] = {"plan": found.plan, "metric": found.metric, "submitted": found.submitted}
    if found.roi is not None:
        out["roi"] = found.roi
        out["computed"] = found.computed
    if found.problem is not None:
        out["dicom_problem"] = found.problem
    if found.computed is not None and found.submitted is not None:
        out["disagreement"] = found.disagrees
    out["value"] = found.value
    out["value_from"] = found.source
    return out


@attrs.frozen
class ConstraintRow:
    """One organ-at-risk constraint of the summary analysis, with each plan's value (None: no such plan).

    ``missing``: what keeps the row undecided, as (JSON path, reason).
    """

    organ: str
    constraint: str
    source: str | None
    source_recognised: str | None
    looser_than_published: str | None
    plans: dict[str, PlanValue | None]
    summary: SummaryRow
    missing: tuple[tuple[str, str], ...]

    def result(self) -> Result:
        """Met when the row's source is one the policy accepts and only the IMRT plan meets it (Kleene)."""
        source = Result.UNKNOWN if not self.source else _bool(self.source_recognised is not None)
        return logic.all_of([source, _bool(self.summary.only_imrt_meets)])

    def evidence(self) -> dict[str, Any]:
        s = self.summary
        return {
            "organ": self.organ, "constraint": self.constraint, "source": self.source,
            "source_recognised": self.source_recognised, "looser_than_published": self.looser_than_published,
            "plans": {name: None if found is None else evidence(found) for name, found in self.plans.items()},
            "value_3d": s.value_3d, "value_imrt": s.value_imrt, "met_3d": s.met_3d, "met_imrt": s.met_imrt,
            "only_imrt_meets": s.only_imrt_meets, "conclusion": s.conclusion, "missing": [list(m) for m in self.missing],
        }  # fmt: skip


def _plans(radiation: Radiation) -> dict[str, tuple[int, Plan]]:
    """The first 3D-CRT and the first IMRT plan, with their index in ``radiation.plans``."""
    found: dict[str, tuple[int, Plan]] = {}
    for index, plan in enumerate(radiation.plans):
        found.setdefault(PLAN_NAMES[plan.technique], (index, plan))
    return found


def _dicom(case: Case, index: int, plan: Plan) -> PlanDose | str | None:
    """The plan's dose and structures, a sentence saying why they cannot be read, or None (no DICOM)."""
    if plan.dicom is None:
        return None
    try:
        return plan_values.read_plan(case, plan)
    except InputError as exc:
        return f"radiation.plans[{index}].dicom could not be read: {exc}"


def _plan_value(index: int, plan: Plan, dicom: PlanDose | str | None, organ: str, constraint: str) -> PlanValue:
    """One plan's value for one constraint: submitted, computed, and any problem with the DICOM."""
    rule = parsed(constraint)
    metric = rule.metric
    found = PlanValue(plan.label, metric, submitted=plan_values.submitted(plan, organ, metric), percent=unit_of(rule) == "%")
    if isinstance(dicom, str):
        return attrs.evolve(found, problem=dicom)
    if dicom is None:
        return found
    roi = plan_values.find_roi(list(dicom.structures), organ)
    if roi is None:
        return attrs.evolve(found, problem=f"no ROI in radiation.plans[{index}].dicom.rtstruct stands for {organ!r}")
    try:
        computed, _ = dicom.measure(roi, metric)
    except ValueError as exc:
        return attrs.evolve(found, roi=roi, problem=f"the DVH of ROI {roi!r} could not be computed: {exc}")
    if computed is None:
        problem = f"{metric} is not defined for ROI {roi!r} (structure outside the dose grid or smaller than the volume asked)"
        return attrs.evolve(found, roi=roi, problem=problem)
    return attrs.evolve(found, roi=roi, computed=computed)


def comparison(case: Case) -> list[ConstraintRow] | None:
    """The analysis, one row per organ-at-risk constraint; None when no constraint is listed."""
    radiation = case.radiation
    if radiation is None or not radiation.oar_constraints:
        return None
    plans = _plans(radiation)
    dicoms = {name: _dicom(case, index, plan) for name, (index, plan) in plans.items()}
    rows = []
    for i, item in enumerate(radiation.oar_constraints):
        parsed(item.constraint, f"radiation.oar_constraints[{i}].constraint")
        missing: list[tuple[str, str]] = []
        named = source_name(item.source)
        if not item.source:
            missing.append((f"radiation.oar_constraints[{i}].source", f"the constraint {item.constraint!r} for {item.organ} names no source"))
        values: dict[str, PlanValue | None] = {}
        for name in ("3D", "IMRT"):
            if name not in plans:
                missing.append(("radiation.plans", f"no {'3D-CRT' if name == '3D' else 'IMRT'} plan is submitted"))
                values[name] = None
                continue
            index, plan = plans[name]
            found = values[name] = _plan_value(index, plan, dicoms[name], item.organ, item.constraint)
            if found.value is None:
                why = found.problem or f"radiation.plans[{index}] has no DICOM"
                missing.append((
                    f"radiation.plans[{index}].metrics.{item.organ}.{found.metric}",
                    f"the {name} plan's {found.metric} for {item.organ} is neither submitted nor computable ({why})",
                ))  # fmt: skip
        looser = looser_than_published(item.organ, item.constraint, item.source)
        rows.append(ConstraintRow(
            item.organ, item.constraint, item.source,
            f"{named.family}{' ' + named.protocol if named.protocol else ''} ({named.kind})" if named else None,
            f"looser than {looser.label}; {looser.citation}" if looser else None,
            values,
            summary_row(item.organ, item.constraint, item.source, *(v.value if v else None for v in values.values())),
            tuple(missing),
        ))  # fmt: skip
    return rows


def summary_table(facts: Facts) -> list[SummaryRow]:
    """The determination's ``summary_table``: the policy's template, one row per constraint."""
    return [row.summary for row in facts.get(FACT) or []]


def _bool(value: bool | None) -> Result:
    return Result.UNKNOWN if value is None else Result.MET if value else Result.NOT_MET


def only_imrt_meets(rows: Sequence[ConstraintRow] | None) -> bool | None:
    """At least one organ at risk has an accepted published constraint met by IMRT and not by 3D
    (Kleene over the rows: None while no row is met and one is undecided, or no row is listed)."""
    if not rows:
        return None
    result = logic.any_of(row.result() for row in rows)
    return None if result is Result.UNKNOWN else result is Result.MET


def undecided(facts: Facts, paths: Sequence[str]) -> Iterator[tuple[str, str]]:
    """What each undecided row lacks (its source, or a plan's value); or that no constraint is listed."""
    rows = facts.get(FACT)
    if not rows:
        return iter((("radiation.oar_constraints", "no organ-at-risk dose constraint is listed"),))
    return iter(dict.fromkeys(m for row in rows if row.result() is Result.UNKNOWN for m in row.missing))


def _partial(row: ConstraintRow) -> str:
    return "No (3D meets constraint)" if row.summary.met_3d else "No (IMRT does not meet constraint)"


def why_not(rows: Sequence[ConstraintRow] | None) -> str:
    parts = []
    for row in rows or []:
        if row.source and row.source_recognised is None:
            parts.append(f"{row.organ}: the source {row.source!r} is not one the policy lists")
        elif row.result() is Result.NOT_MET:
            parts.append(f"{row.organ} ({row.constraint}): {row.summary.conclusion or _partial(row)}")
    return "no organ at risk has a constraint met only with IMRT (" + "; ".join(parts) + ")"
