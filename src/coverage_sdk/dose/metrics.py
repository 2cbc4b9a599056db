"""The metric keys of shared/spec/interchange.md, read and spelled in one place.

DVH statistics: ``Dmax``, ``Dmin``, ``Dmean`` (``Max``, ``Min``, ``Mean`` accepted), ``Dxx``
(Gy to xx % of the volume), ``Dxxcc`` (Gy to the hottest xx cc), ``VxxGy`` (% of the volume
receiving at least xx Gy) and ``VxxGy_cc`` (the same in cc); and the plan metrics of
shared/spec/bone-circumference.md, ``bone_circumference_pct_ge_40gy`` and ``joint_pct_ge_35gy``.
Letters may be in any case; :attr:`Metric.name` is the spec's spelling (``d2CC`` -> ``D2cc``).
"""

from __future__ import annotations

import enum
import re

import attrs

from coverage_sdk.errors import InputError


class Kind(enum.Enum):
    """What a metric measures; the value is the spelling of the fixed ones."""

    DMAX = "Dmax"
    DMIN = "Dmin"
    DMEAN = "Dmean"
    DOSE_TO_PERCENT = "Dxx"
    DOSE_TO_CC = "Dxxcc"
    VOLUME_PERCENT = "VxxGy"
    VOLUME_CC = "VxxGy_cc"
    BONE_CIRCUMFERENCE = "bone_circumference_pct_ge_40gy"
    JOINT = "joint_pct_ge_35gy"


FIXED = (Kind.DMAX, Kind.DMIN, Kind.DMEAN, Kind.BONE_CIRCUMFERENCE, Kind.JOINT)
UNITS = {Kind.VOLUME_PERCENT: "%", Kind.VOLUME_CC: "cc", Kind.BONE_CIRCUMFERENCE: "%", Kind.JOINT: "%"}
_NAMED = {kind.value.lower(): kind for kind in FIXED} | {"max": Kind.DMAX, "min": Kind.DMIN, "mean": Kind.DMEAN}
_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_DOSE = re.compile(rf"D({_NUMBER})\s*(cc)?", re.IGNORECASE)
_VOLUME = re.compile(rf"V({_NUMBER})\s*Gy(_cc)?", re.IGNORECASE)
EXPECTED = "Dmax, Dmin, Dmean, Max, Min, Mean, Dxx, Dxxcc, VxxGy, VxxGy_cc, bone_circumference_pct_ge_40gy, joint_pct_ge_35gy"


@attrs.frozen
class Metric:
    """A metric key: its kind and the number in it (xx: % or cc for D, Gy for V; None for the fixed ones)."""

    kind: Kind
    amount: float | None = None

    @property
    def name(self) -> str:
        """The spec's spelling: ``Dmax``, ``D95``, ``D0.03cc``, ``V20Gy``, ``V20Gy_cc``, ..."""
        if self.kind in FIXED:
            return self.kind.value
        return self.kind.value.replace("xx", f"{self.amount:g}")

    @property
    def unit(self) -> str:
        """The unit of the metric's value: ``Gy``, ``%`` or ``cc``."""
        return UNITS.get(self.kind, "Gy")

    def __str__(self) -> str:
        return self.name


def metric(text: str) -> Metric:
    """The metric ``text`` names; :class:`~coverage_sdk.errors.InputError` naming the keys otherwise.

    ``Dxx`` asks for at most 100 % of the volume.
    """
    if not isinstance(text, str):
        raise TypeError(f"a metric is a string such as 'D95', 'V20Gy', 'D2cc' or 'Dmax', not {type(text).__name__}")
    key = text.strip()
    if key.lower() in _NAMED:
        return Metric(_NAMED[key.lower()])
    if match := _DOSE.fullmatch(key):
        amount = float(match.group(1))
        if not match.group(2) and amount > 100:
            raise InputError(f"metric {text!r} asks for more than 100 % of the volume")
        return Metric(Kind.DOSE_TO_CC if match.group(2) else Kind.DOSE_TO_PERCENT, amount)
    if match := _VOLUME.fullmatch(key):
        return Metric(Kind.VOLUME_CC if match.group(2) else Kind.VOLUME_PERCENT, float(match.group(1)))
    raise InputError(f"unknown metric {text!r}: expected {EXPECTED}")


def canonical(text: str) -> str | None:
    """The spec's spelling of the metric ``text`` names, or None when it names none."""
    try:
        return metric(text).name
    except InputError:
        return None
