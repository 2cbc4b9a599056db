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

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from coverage_sdk.policy import logic
from coverage_sdk.policy.authoring import Answer
from coverage_sdk.errors import InputError
from coverage_sdk.policy.facts import Facts
from coverage_sdk.policy.model import Case, Plan, PlanTechnique, Result, SummaryRow
from coverage_sdk.dose.constraint_library import looser_than_published, source_name
from coverage_sdk_imrt_oar_proximity.compare_plans import PlanDose, disagree, dvh_value, find_roi, metric_key, parsed, summary_row

FACT = "oar.comparison"
PLAN_NAMES = {PlanTechnique.THREE_D_CRT: "3D", PlanTechnique.IMRT: "IMRT"}
METRIC_ALIASES = {"Dmax": ("Dmax", "Max"), "Dmean": ("Dmean", "Mean"), "Dmin": ("Dmin", "Min")}


def _plans(case: Case) -> dict[str, tuple[int, Plan]]:
    """The first 3D-CRT and the first IMRT plan, with their index in ``radiation.plans``."""
    found: dict[str, tuple[int, Plan]] = {}
    for index, plan in enumerate(case.radiation.plans):
        found.setdefault(PLAN_NAMES[plan.technique], (index, plan))
    return found


def _dicom(case: Case, index: int, plan: Plan) -> PlanDose | str | None:
    """The plan's dose and structures, a sentence saying why they cannot be read, or None (no DICOM)."""
    if plan.dicom is None:
        return None
    base = Path(case.base_dir or ".")
    try:
        return PlanDose.read(plan.label, base / plan.dicom.rtdose, base / plan.dicom.rtstruct)
    except InputError as exc:
        return f"radiation.plans[{index}].dicom could not be read: {exc}"


def _submitted(plan: Plan, organ: str, metric: str) -> float | None:
    if not plan.metrics:
        return None
    structure = find_roi(list(plan.metrics), organ)
    values = plan.metrics.get(structure, {}) if structure else {}
    for name in METRIC_ALIASES.get(metric, (metric,)):
        for key, value in values.items():
            if key.lower() == name.lower():
                return float(value)
    return None


def _plan_value(index: int, plan: Plan, dicom: PlanDose | str | None, organ: str, constraint: str) -> dict[str, Any]:
    """One plan's value for one constraint: submitted, computed, which one counts, and any problem."""
    rule = parsed(constraint)
    metric = metric_key(rule)
    entry: dict[str, Any] = {"plan": plan.label, "metric": metric, "submitted": _submitted(plan, organ, metric)}
    if isinstance(dicom, str):
        entry["dicom_problem"] = dicom
    elif dicom is not None:
        roi = find_roi(list(dicom.structures), organ)
        if roi is None:
            entry["dicom_problem"] = f"no ROI in radiation.plans[{index}].dicom.rtstruct stands for {organ!r}"
        else:
            entry["roi"] = roi
            try:
                entry["computed"] = dvh_value(dicom.dvh(roi), rule)
            except ValueError as exc:
                entry["dicom_problem"] = f"the DVH of ROI {roi!r} could not be computed: {exc}"
            if entry.get("computed") is None and "dicom_problem" not in entry:
                entry["dicom_problem"] = f"{metric} is not defined for ROI {roi!r} (structure outside the dose grid or smaller than the volume asked)"
    computed, submitted = entry.get("computed"), entry["submitted"]
    if computed is not None and submitted is not None:
        entry["disagreement"] = disagree(submitted, computed, rule)
    entry["value"] = computed if computed is not None else submitted
    entry["value_from"] = "computed from DICOM" if computed is not None else "submitted" if submitted is not None else None
    return entry


def comparison(case: Case) -> list[dict[str, Any]] | None:
    """The analysis, one dict per organ-at-risk constraint; None when no constraint is listed."""
    radiation = case.radiation
    if radiation is None or not radiation.oar_constraints:
        return None
    plans = _plans(case)
    dicoms = {name: _dicom(case, index, plan) for name, (index, plan) in plans.items()}
    rows = []
    for i, item in enumerate(radiation.oar_constraints):
        parsed(item.constraint, f"radiation.oar_constraints[{i}].constraint")
        missing: list[list[str]] = []
        named = source_name(item.source)
        if not item.source:
            missing.append([f"radiation.oar_constraints[{i}].source", f"the constraint {item.constraint!r} for {item.organ} names no source"])
        values: dict[str, dict[str, Any] | None] = {}
        for name in ("3D", "IMRT"):
            if name not in plans:
                missing.append(["radiation.plans", f"no {'3D-CRT' if name == '3D' else 'IMRT'} plan is submitted"])
                values[name] = None
                continue
            index, plan = plans[name]
            entry = _plan_value(index, plan, dicoms[name], item.organ, item.constraint)
            values[name] = entry
            if entry["value"] is None:
                why = entry.get("dicom_problem") or f"radiation.plans[{index}] has no DICOM"
                missing.append([
                    f"radiation.plans[{index}].metrics.{item.organ}.{entry['metric']}",
                    f"the {name} plan's {entry['metric']} for {item.organ} is neither submitted nor computable ({why})",
                ])  # fmt: skip
        row = summary_row(item.organ, item.constraint, item.source, *(v["value"] if v else None for v in values.values()))
        looser = looser_than_published(item.organ, item.constraint, item.source)
        rows.append({
            "organ": item.organ, "constraint": item.constraint, "source": item.source,
            "source_recognised": f"{named.family}{' ' + named.protocol if named and named.protocol else ''} ({named.kind})" if named else None,
            "looser_than_published": f"looser than {looser.label}; {looser.citation}" if looser else None,
            "plans": values, "value_3d": row.value_3d, "value_imrt": row.value_imrt, "met_3d": row.met_3d,
            "met_imrt": row.met_imrt, "only_imrt_meets": row.only_imrt_meets, "conclusion": row.conclusion,
            "missing": missing,
        })  # fmt: skip
    return rows


def summary_table(facts: Facts) -> list[SummaryRow]:
    """The determination's ``summary_table``: the policy's template, one row per constraint."""
    return [
        SummaryRow(r["organ"], r["constraint"], r["source"], r["value_3d"], r["value_imrt"], r["met_3d"], r["met_imrt"],
                   r["only_imrt_meets"], r["conclusion"])  # fmt: skip
        for r in facts.get(FACT) or []
    ]


def _bool(value: bool | None) -> Result:
    return Result.UNKNOWN if value is None else Result.MET if value else Result.NOT_MET


def row_result(row: Mapping[str, Any]) -> Result:
    """Met when the row's source is one the policy accepts and only the IMRT plan meets it (Kleene)."""
    source = Result.UNKNOWN if not row["source"] else _bool(row["source_recognised"] is not None)
    return logic.all_of([source, _bool(row["only_imrt_meets"])])


def _partial(row: Mapping[str, Any]) -> str:
    return "No (3D meets constraint)" if row["met_3d"] else "No (IMRT does not meet constraint)"


@attrs.frozen
class OnlyImrtMeets:
    """At least one organ at risk has an accepted published constraint met by IMRT and not by 3D.

    A condition over the rows of ``oar.comparison`` (any number per case): met when one row
    is met, not met when every row is not met, else unknown naming exactly what each
    undecided row lacks (its source, or a plan's value).
    """

    @property
    def needs(self) -> tuple[str, ...]:
        return (FACT,)

    def evaluate(self, facts: Facts) -> Answer:
        rows = facts.get(FACT)
        if not rows:
            return Answer(Result.UNKNOWN, (("radiation.oar_constraints", "no organ-at-risk dose constraint is listed"),))
        results = [row_result(row) for row in rows]
        result = logic.any_of(results)
        if result is not Result.UNKNOWN:
            return Answer(result)
        missing = (tuple(m) for row, r in zip(rows, results) if r is Result.UNKNOWN for m in row["missing"])
        return Answer(Result.UNKNOWN, tuple(dict.fromkeys(missing)))

    def explain(self, facts: Facts) -> str:
        parts = []
        for row in facts.get(FACT) or []:
            if row["source"] and row["source_recognised"] is None:
                parts.append(f"{row['organ']}: the source {row['source']!r} is not one the policy lists")
            elif row_result(row) is Result.NOT_MET:
                parts.append(f"{row['organ']} ({row['constraint']}): {row['conclusion'] or _partial(row)}")
        return "no organ at risk has a constraint met only with IMRT (" + "; ".join(parts) + ")"
