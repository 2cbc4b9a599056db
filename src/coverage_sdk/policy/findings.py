"""What a reviewer must see even when the criteria are met: the core's warnings.

shared/spec/interchange.md, Determination ``warnings``: a diagnosis code that contradicts
``tumor.site`` or ``tumor.location`` (``diagnosis_conflict``), an organ-at-risk limit looser
than the published one of the source it names (``constraint_looser_than_published``), and a
plan value whose DICOM and submitted figures differ by more than 1 percentage point or 1 % of
the dose (``dicom_submitted_disagreement``). Each finding carries the other reading of the
case (the code's site, the published limit, the submitted value): the policy decides the case
again on it, and "a warning that could change the outcome never leaves an automatic
``medically_necessary`` standing".
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from coverage_sdk.dose.metrics import canonical
from coverage_sdk.errors import CoverageSDKError
from coverage_sdk.policy import icd10
from coverage_sdk.policy.model import Case, Warning, WarningCode


UNCHANGED = "the same"


def outcome_words(outcome: object) -> str:
    """How a warning's message ends: "Read as ..., the outcome would be <this>."."""
    return str(getattr(outcome, "value", outcome)).replace("_", " ")


@attrs.frozen
class Finding:
    """A warning, and the case read the other way (``reading`` says how in words)."""

    warning: Warning
    other_reading: Case
    reading: str


def _words(value: object) -> str:
    return str(getattr(value, "value", value)).replace("_", " ")


def diagnosis_conflicts(case: Case) -> Iterator[Finding]:
    """An ICD-10-CM code whose site or sarcoma location is not the case's ``tumor.site`` / ``tumor.location``."""
    tumor = case.tumor
    if tumor is None:
        return
    for index, diagnosis in enumerate(case.diagnoses):
        if tumor.site is not None and (coded := icd10.contradicts(diagnosis.code, tumor.site)) is not None:
            yield Finding(
                Warning(
                    WarningCode.DIAGNOSIS_CONFLICT,
                    f"The diagnosis code {diagnosis.code} is a cancer of the {_words(coded)}, but tumor.site is {_words(tumor.site)}.",
                    f"diagnoses[{index}]",
                ),
                attrs.evolve(case, tumor=attrs.evolve(tumor, site=coded)),
                f"tumor site {_words(coded)}, as {diagnosis.code} says",
            )  # fmt: skip
        located = icd10.location_of(diagnosis.code)
        if tumor.location is not None and located is not None and located is not tumor.location:
            yield Finding(
                Warning(
                    WarningCode.DIAGNOSIS_CONFLICT,
                    f"The diagnosis code {diagnosis.code} places the sarcoma {_words(located)}, but tumor.location is {_words(tumor.location)}.",
                    f"diagnoses[{index}]",
                ),
                attrs.evolve(case, tumor=attrs.evolve(tumor, location=located)),
                f"sarcoma location {_words(located)}, as {diagnosis.code} says",
            )  # fmt: skip


def looser_constraints(case: Case) -> Iterator[Finding]:
    """An organ-at-risk constraint that allows more than every published one of the source it names."""
    from coverage_sdk.dose.constraint_library import looser_than_published

    radiation = case.radiation
    if radiation is None:
        return
    for index, item in enumerate(radiation.oar_constraints):
        try:
            published = looser_than_published(item.organ, item.constraint, item.source)
        except ValueError:
            continue
        if published is None:
            continue
        constraints = list(radiation.oar_constraints)
        constraints[index] = attrs.evolve(item, constraint=published.constraint)
        yield Finding(
            Warning(
                WarningCode.CONSTRAINT_LOOSER_THAN_PUBLISHED,
                f"The {item.organ} constraint {item.constraint!r} ({item.source}) is looser than the published "
                f"{published.label}; {published.citation}.",
                f"radiation.oar_constraints[{index}].constraint",
            ),
            attrs.evolve(case, radiation=attrs.evolve(radiation, oar_constraints=constraints)),
            f"the published {item.organ} limit {published.constraint}",
        )  # fmt: skip


def _percent(metric: str) -> bool:
    lowered = metric.lower()
    return "_pct_" in lowered or (lowered.startswith("v") and not lowered.endswith("_cc"))


def dicom_disagreements(case: Case) -> Iterator[Finding]:
    """A submitted metric that its plan's DICOM contradicts by more than the spec's tolerance."""
    from coverage_sdk.dose import plan_values

    radiation = case.radiation
    if radiation is None:
        return
    for index, plan in enumerate(radiation.plans):
        if plan.dicom is None or not plan.metrics:
            continue
        try:
            dose = plan_values.read_plan(case, plan)
        except (CoverageSDKError, OSError, ValueError):
            continue
        for structure, values in plan.metrics.items():
            roi = plan_values.find_roi(list(dose.structures), structure)
            for key, submitted in values.items():
                metric = canonical(key) or key
                try:
                    computed, _ = dose.measure(roi, metric) if roi is not None else (None, ())
                except (CoverageSDKError, ValueError, KeyError):
                    continue
                if computed is None:
                    continue
                value = plan_values.PlanValue(plan.label, metric, round(computed, plan_values.PRECISION), float(submitted), percent=_percent(metric))
                if not value.disagrees:
                    continue
                plans = list(radiation.plans)
                plans[index] = attrs.evolve(plan, dicom=None)
                unit = "%" if value.percent else "cc" if metric.lower().endswith("_cc") else "Gy"
                yield Finding(
                    Warning(
                        WarningCode.DICOM_SUBMITTED_DISAGREEMENT,
                        f"Plan {plan.label!r}: {metric} of {structure} is {value.computed:g} {unit} computed from its DICOM "
                        f"but {value.submitted:g} {unit} as submitted.",
                        f"radiation.plans[{index}].metrics.{structure}.{key}",
                    ),
                    attrs.evolve(case, radiation=attrs.evolve(radiation, plans=plans)),
                    f"the submitted values of plan {plan.label!r}",
                )  # fmt: skip


def findings(case: Case) -> list[Finding]:
    """Every warning the core raises on ``case``, in a stable order."""
    return [*diagnosis_conflicts(case), *looser_constraints(case), *dicom_disagreements(case)]
