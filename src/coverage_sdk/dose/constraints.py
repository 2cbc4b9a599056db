"""Dose-volume constraints: ``<metric> <op> <number> <unit>`` (shared/spec/interchange.md, Constraint grammar).

Metrics are the spec's keys: ``Dmax``, ``Dmin``, ``Dmean`` (``Max``, ``Min``, ``Mean`` accepted),
``Dxx`` (dose to xx % of the volume), ``Dxxcc``, in Gy; ``VxxGy`` in %, ``VxxGy_cc`` in cc.
"""

from __future__ import annotations

import math
import operator
import re

from typing import TYPE_CHECKING

import attrs

from coverage_sdk.errors import InputError

if TYPE_CHECKING:
    from coverage_sdk.dose.dvh import DVH

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_ALIASES = {"max": "Dmax", "dmax": "Dmax", "min": "Dmin", "dmin": "Dmin", "mean": "Dmean", "dmean": "Dmean"}
_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_TEXT = re.compile(rf"\s*(\S+?)\s*(<=|>=|<|>)\s*({_NUMBER})\s*(Gy|%|cc)\s*", re.IGNORECASE)
_DOSE_METRIC = re.compile(rf"D({_NUMBER})(cc)?", re.IGNORECASE)
_VOLUME_METRIC = re.compile(rf"V({_NUMBER})Gy(_cc)?", re.IGNORECASE)


def _canonical_metric(text: str, metric: str) -> tuple[str, str]:
    """The metric's canonical spelling and the unit its limit must have."""
    if metric.lower() in _ALIASES:
        return _ALIASES[metric.lower()], "Gy"
    if match := _DOSE_METRIC.fullmatch(metric):
        number = float(match.group(1))
        if not match.group(2) and number > 100:
            raise InputError(f"constraint {text!r}: {metric} asks for more than 100 % of the volume")
        return f"D{number:g}{'cc' if match.group(2) else ''}", "Gy"
    if match := _VOLUME_METRIC.fullmatch(metric):
        cc = bool(match.group(2))
        return f"V{float(match.group(1)):g}Gy{'_cc' if cc else ''}", "cc" if cc else "%"
    raise InputError(
        f"constraint {text!r}: unknown metric {metric!r}; expected Dmax, Dmin, Dmean, Max, Mean, "
        "Dxx, Dxxcc, VxxGy or VxxGy_cc"
    )


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
