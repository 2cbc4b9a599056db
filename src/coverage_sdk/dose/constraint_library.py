"""Published dose-volume constraints for organs at risk, shipped as data (``data/oar_constraints.csv``).

Each row is one constraint in the grammar of shared/spec/interchange.md (``Dmax < 54 Gy``,
``V20Gy <= 30 %``) with its source (QUANTEC, Marks et al. 2010 and the organ papers of the
same issue; RTOG protocols), the setting it was published for, the endpoint, and a citation.
Organs are looked up by name with the usual spellings folded together: case, spaces,
underscores and hyphens are ignored (``Brain Stem``, ``BrainStem``, ``brain_stem``), common
aliases map to one organ (``Cord`` -> Spinal cord, ``Chiasm`` -> Optic chiasm), and for paired
organs whose constraints hold per organ a side marker is dropped (``Parotid_L`` -> Parotid).

Hosts ask :func:`published_constraints` for an organ's constraints; plan-comparison policies
use :func:`looser_than_published` to flag a submitted constraint that allows more dose than
every published constraint of the same organ, source and metric.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from coverage_sdk.hookspecs import hookimpl

from coverage_sdk.dose.constraints import parse_constraint

if TYPE_CHECKING:
    from coverage_sdk.dose.constraints import Constraint
    from coverage_sdk.host.manager import PluginHost

__all__ = [
    "PublishedConstraint", "SourceName", "canonical_organ", "looser_than_published", "organ_key",
    "published_constraints", "source_name",
]  # fmt: skip

ALIASES: dict[str, str] = {
    "brainstem": "Brainstem",
    "spinalcord": "Spinal cord",
    "cord": "Spinal cord",
    "opticnerve": "Optic nerve",
    "opticnrv": "Optic nerve",
    "opticchiasm": "Optic chiasm",
    "chiasm": "Optic chiasm",
    "cochlea": "Cochlea",
    "parotid": "Parotid",
    "parotids": "Parotid",
    "parotidgland": "Parotid",
    "parotidglands": "Parotid",
    "larynx": "Larynx",
    "lung": "Lung",
    "lungs": "Lung",
    "totallung": "Lung",
    "lungtotal": "Lung",
    "esophagus": "Esophagus",
    "oesophagus": "Esophagus",
    "heart": "Heart",
    "liver": "Liver",
    "normalliver": "Liver",
    "kidney": "Kidney",
    "kidneys": "Kidney",
    "stomach": "Stomach",
    "smallbowel": "Small bowel",
    "bowelsmall": "Small bowel",
    "smallintestine": "Small bowel",
    "rectum": "Rectum",
    "bladder": "Bladder",
    "urinarybladder": "Bladder",
    "penilebulb": "Penile bulb",
    "brain": "Brain",
    "brachialplexus": "Brachial plexus",
    "caudaequina": "Cauda equina",
    "cauda": "Cauda equina",
    "sacralplexus": "Sacral plexus",
}
PAIRED = frozenset({"Optic nerve", "Cochlea", "Parotid", "Brachial plexus"})
SIDES = frozenset({"l", "r", "lt", "rt", "left", "right"})

COOPERATIVE_GROUPS = (
    "RTOG", "NRG", "SWOG", "ECOG", "ACRIN", "ACOSOG", "ALLIANCE", "CALGB", "NCCTG", "NSABP", "GOG", "COG",
    "EORTC", "TROG", "JCOG", "CCTG", "NCIC",
)  # fmt: skip
COMPILATIONS = ("QUANTEC", "CORSAIR")
INSTITUTIONAL = "INSTITUTIONAL"


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.strip())
    return [t for t in re.split(r"[\s_\-.]+", spaced.lower()) if t]


def organ_key(name: str) -> str:
    """The name with case, spaces, underscores, hyphens and dots ignored: ``Brain_Stem`` -> ``brainstem``."""
    return "".join(_tokens(name))


def canonical_organ(name: str) -> str | None:
    """The library's name of the organ ``name`` stands for, or None when it is not one we know."""
    tokens = _tokens(name)
    organ = ALIASES.get("".join(tokens))
    if organ is not None:
        return organ
    while tokens and tokens[0] in SIDES:
        tokens = tokens[1:]
    while tokens and tokens[-1] in SIDES:
        tokens = tokens[:-1]
    organ = ALIASES.get("".join(tokens))
    return organ if organ in PAIRED else None


@attrs.frozen
class SourceName:
    """A constraint source as a provider writes it: ``RTOG #0631`` -> family RTOG, protocol 0631.

    ``kind`` is ``compilation`` (QUANTEC, CORSAIR), ``cooperative group`` or ``institutional``.
    """

    family: str
    kind: str
    protocol: str | None = None


def source_name(text: str | None) -> SourceName | None:
    """The recognised source named by ``text``, or None (absent or not one we know)."""
    if not text:
        return None
    upper = text.upper()
    words = set(re.findall(r"[A-Z]+", upper))
    for family in COMPILATIONS:
        if family in words:
            return SourceName(family, "compilation")
    for family in COOPERATIVE_GROUPS:
        if family in words:
            match = re.search(rf"\b{family}\b\W*([A-Z]{{0,2}}\d{{3,4}})", upper)
            return SourceName(family, "cooperative group", match.group(1) if match else None)
    if re.search(r"\bINSTITUTION(AL)?\b", upper):
        return SourceName(INSTITUTIONAL, "institutional")
    return None


@attrs.frozen
class PublishedConstraint:
    """One published constraint for an organ at risk (a row of ``data/oar_constraints.csv``)."""

    organ: str
    constraint: str
    source: str
    protocol: str | None
    setting: str
    endpoint: str | None
    citation: str

    @property
    def label(self) -> str:
        """``RTOG 0617: Dmax <= 66 Gy`` — how reasons name the row."""
        source = f"{self.source} {self.protocol}" if self.protocol else self.source
        return f"{source}: {self.constraint} ({self.setting})"

    @property
    def parsed(self) -> Constraint:
        return _parsed(self.constraint)


_parsed = functools.lru_cache(maxsize=4096)(parse_constraint)
"""A library row's constraint, parsed once (a Constraint is immutable)."""


@functools.cache
def _shipped() -> tuple[PublishedConstraint, ...]:
    text = importlib.resources.files("coverage_sdk").joinpath("data/oar_constraints.csv").read_text(encoding="utf-8")
    return tuple(
        PublishedConstraint(
            r["organ"], r["constraint"], r["source"], r["protocol"] or None, r["setting"], r["endpoint"] or None,
            r["citation"],
        )  # fmt: skip
        for r in csv.DictReader(text.splitlines())
    )


@hookimpl
def coverage_sdk_oar_constraints() -> Sequence[PublishedConstraint]:
    """The SDK's own rows: QUANTEC and RTOG constraints shipped in ``data/oar_constraints.csv``."""
    return _shipped()


def published_constraints(organ: str, *, host: PluginHost | None = None) -> list[PublishedConstraint]:
    """The published constraints of ``organ`` (any common spelling), in library order; [] if unknown.

    The library is every row the installed plugins contribute through ``coverage_sdk_oar_constraints``.
    """
    from coverage_sdk.host.manager import default_host

    if not isinstance(organ, str):
        raise TypeError(f"published_constraints() takes an organ name as a string, e.g. 'Brainstem', not {type(organ).__name__}")
    name = canonical_organ(organ)
    return [row for row in (host or default_host()).oar_constraints() if row.organ == name] if name else []


def _metric_key(constraint: Constraint) -> tuple[str, str]:
    return constraint.metric, constraint.unit


def _upper_bound(constraint: Constraint) -> bool:
    return constraint.op in ("<", "<=")


def looser_than_published(
    organ: str, constraint: str | Constraint, source: str | None, *, host: PluginHost | None = None
) -> PublishedConstraint | None:
    """The published constraint ``constraint`` is looser than, for the same organ, source and metric.

    Only rows of the same source family count (and of the same protocol when the submitted
    source names one the library has); the submitted constraint is looser when it allows
    more dose or volume than *every* such row (an upper limit above all of theirs, or a lower
    limit below), and the row returned is the loosest of them — the nearest published value.
    None when it is not looser, or the library has no comparable row. A malformed
    ``constraint`` raises ValueError naming it.
    """
    submitted = parse_constraint(constraint) if isinstance(constraint, str) else constraint
    named = source_name(source)
    if named is None:
        return None
    rows = [row for row in published_constraints(organ, host=host) if row.source == named.family]
    if named.protocol and any(row.protocol == named.protocol for row in rows):
        rows = [row for row in rows if row.protocol == named.protocol]
    key, upper = _metric_key(submitted), _upper_bound(submitted)
    comparable = [row for row in rows if _metric_key(row.parsed) == key and _upper_bound(row.parsed) == upper]
    if not comparable:
        return None
    loosest = (max if upper else min)(comparable, key=lambda row: row.parsed.limit)
    looser = submitted.limit > loosest.parsed.limit if upper else submitted.limit < loosest.parsed.limit
    return loosest if looser else None
