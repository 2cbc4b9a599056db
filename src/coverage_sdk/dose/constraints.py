"""Dose-volume constraints: ``<metric> <op> <number> <unit>`` (shared/spec/interchange.md, Constraint grammar).

Metrics are the spec's keys (:mod:`coverage_sdk.dose.metrics`): ``Dmax``, ``Dmin``, ``Dmean``
(``Max``, ``Min``, ``Mean`` accepted), ``Dxx`` (dose to xx % of the volume), ``Dxxcc``, in Gy;
``VxxGy`` in %, ``VxxGy_cc`` in cc.
"""

from __future__ import annotations

import math
import operator
import re

from typing import TYPE_CHECKING

import attrs

from coverage_sdk.dose.metrics import Kind, metric
from coverage_sdk.errors import InputError

if TYPE_CHECKING:
    from coverage_sdk.dose.dvh import DVH

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_TEXT = re.compile(rf"\s*(\S+?)\s*(<=|>=|<|>)\s*({_NUMBER})\s*(Gy|%|cc)\s*", re.IGNORECASE)
_NOT_DVH = (Kind.BONE_CIRCUMFERENCE, Kind.JOINT)


def _canonical_metric(text: str, name: str) -> tuple[str, str]:
    """The metric's canonical spelling and the unit its limit must have."""
    try:
        wanted = metric(name)
    except InputError as exc:
        raise InputError(f"constraint {text!r}: {exc.message}") from None
    if wanted.kind in _NOT_DVH:
        raise InputError(f"constraint {text!r}: {wanted.name} is not a dose-volume metric")
    return wanted.name, wanted.unit


@attrs.frozen
class ConstraintResult:
    """The value of a constraint's metric in one DVH and whether the constraint is met
    (``met`` is None when the value is undefined, e.g. a structure outside the dose grid)."""

    constraint: "Constraint"
    value: float
    met: bool | None
    structure: str = ""

    def explain(self) -> str:
        c = self.constraint
        subject = f"{self.structure} {c.metric}" if self.structure else c.metric
        if self.met is None:
            return f"{subject} cannot be computed; the constraint {c} cannot be evaluated."
        unit = "%" if c.unit == "%" else f" {c.unit}"
        value = f"{self.value:.1f}{unit}"
        if self.met:
            return f"{subject} is {value}; the constraint {c} is met."
        upper = c.op in ("<", "<=")
        gap = abs(self.value - c.limit)
        words = "exceeds the limit" if upper else "falls short of the limit"
        return f"{subject} is {value}; the constraint {c} is not met ({words} by {gap:.1f}{unit})."


@attrs.frozen
class Constraint:
    """One parsed constraint; ``str()`` gives its canonical text (``D2cc <= 50 Gy``)."""

    metric: str
    op: str
    limit: float
    unit: str

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.limit:g} {self.unit}"

    def evaluate(self, value: float) -> bool:
        """Whether ``value`` (in this constraint's unit) meets it; NaN never does."""
        return not math.isnan(value) and _OPS[self.op](value, self.limit)

    def evaluate_dvh(self, dvh: DVH, structure: str | None = None) -> ConstraintResult:
        """The metric's value in ``dvh`` and the verdict; ``structure`` names the ROI in the explanation."""
        value = dvh.statistic(self.metric)
        met = None if math.isnan(value) else self.evaluate(value)
        return ConstraintResult(self, value, met, dvh.roi if structure is None else structure)


def parse_constraint(text: str) -> Constraint:
    """Parse ``<metric> <op> <number> <unit>``, e.g. ``Dmax < 66 Gy`` or ``V20Gy < 30 %``."""
    if not isinstance(text, str):
        raise TypeError(f"parse_constraint() takes a constraint as a string, e.g. 'Dmax < 54 Gy', not {type(text).__name__}")
    match = _TEXT.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise InputError(
            f"constraint {text!r}: expected '<metric> <op> <number> <unit>' with op <, <=, > or >= "
            "and unit Gy, % or cc, e.g. 'Dmax < 54 Gy' or 'V20Gy < 30 %'"
        )
    metric, op, number, unit = match.groups()
    metric, expected = _canonical_metric(text, metric)
    unit = {"gy": "Gy", "%": "%", "cc": "cc"}[unit.lower()]
    if expected == "%" and unit == "cc":
        metric, expected = f"{metric}_cc", "cc"
    if unit != expected:
        raise InputError(f"constraint {text!r}: {metric} is measured in {expected}, not {unit}")
    return Constraint(metric, op, float(number), unit)
