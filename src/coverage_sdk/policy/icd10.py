"""ICD-10-CM code matching and the inference of ``tumor.site`` from diagnoses.

A site is inferred only where a code maps to one site unambiguously (interchange spec,
``tumor.site``); codes that straddle sites (C19 rectosigmoid junction, C26 ill-defined
digestive organs, C76-C80 secondary or unspecified) infer nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from coverage_sdk.policy.model import SarcomaLocation, TumorSite

# Longest matching prefix wins; codes compared without the dot.
SITE_BY_PREFIX: dict[str, TumorSite] = {
    "C20": TumorSite.RECTUM, "D012": TumorSite.RECTUM,
    "C18": TumorSite.COLON, "D010": TumorSite.COLON,
    "C21": TumorSite.ANUS, "D013": TumorSite.ANUS,
    "C25": TumorSite.PANCREAS,
    "C53": TumorSite.CERVIX, "D06": TumorSite.CERVIX,
    "C541": TumorSite.ENDOMETRIUM,
    "C50": TumorSite.BREAST, "D05": TumorSite.BREAST,
    "C49": TumorSite.SOFT_TISSUE_SARCOMA, "C480": TumorSite.SOFT_TISSUE_SARCOMA,
    "C40": TumorSite.BONE_SARCOMA, "C41": TumorSite.BONE_SARCOMA,
    "C16": TumorSite.STOMACH,
    "C15": TumorSite.ESOPHAGUS,
    "C22": TumorSite.LIVER,
    "C64": TumorSite.KIDNEY,
    "C67": TumorSite.BLADDER,
    "C61": TumorSite.PROSTATE,
    "C71": TumorSite.BRAIN,
    "C34": TumorSite.LUNG,
    "C56": TumorSite.OVARY,
    "C51": TumorSite.VULVA,
    "C52": TumorSite.VAGINA,
    **{f"C{n:02d}": TumorSite.HEAD_AND_NECK for n in (*range(0, 15), 30, 31, 32)},
}  # fmt: skip

LOCATION_BY_PREFIX: dict[str, SarcomaLocation] = {
    "C480": SarcomaLocation.RETROPERITONEAL,
    "C490": SarcomaLocation.HEAD_AND_NECK,
    "C491": SarcomaLocation.EXTREMITY_UPPER,
    "C492": SarcomaLocation.EXTREMITY_LOWER,
    "C493": SarcomaLocation.TRUNK,
    "C494": SarcomaLocation.ABDOMINAL,
    "C495": SarcomaLocation.PELVIS,
    "C496": SarcomaLocation.TRUNK,
}

# Sites one code may stand for: a desmoid is coded as a soft-tissue neoplasm (C49), a uterine
# sarcoma as a neoplasm of the corpus uteri (C54.1 endometrium).
COMPATIBLE_SITES: dict[TumorSite, frozenset[TumorSite]] = {
    TumorSite.DESMOID: frozenset({TumorSite.SOFT_TISSUE_SARCOMA}),
    TumorSite.UTERINE_SARCOMA: frozenset({TumorSite.ENDOMETRIUM}),
}


def normalize(code: str) -> str:
    """``c18.7`` -> ``C187``: upper case, no dot, no spaces."""
    return code.replace(".", "").replace(" ", "").upper()


def matches(code: str, patterns: Iterable[str]) -> bool:
    """True when ``code`` equals a pattern or lies under it (``C18`` covers ``C18.7``)."""
    normalized = normalize(code)
    return any(normalized.startswith(normalize(p)) for p in patterns)


def site_of(code: str) -> TumorSite | None:
    """The site one code maps to (longest prefix of ``SITE_BY_PREFIX``), or None."""
    return _lookup(code, SITE_BY_PREFIX)


def location_of(code: str) -> SarcomaLocation | None:
    """The sarcoma location one code maps to (``LOCATION_BY_PREFIX``), or None."""
    return _lookup(code, LOCATION_BY_PREFIX)


def contradicts(code: str, site: TumorSite) -> TumorSite | None:
    """The site ``code`` maps to when it is not ``site`` (nor one ``site`` may be coded as); else None."""
    coded = site_of(code)
    if coded is None or coded is site or coded in COMPATIBLE_SITES.get(site, ()):
        return None
    return coded


Value = TypeVar("Value")


def _lookup(code: str, table: dict[str, Value]) -> Value | None:
    normalized = normalize(code)
    longest = max(map(len, table))
    for length in range(min(len(normalized), longest), 2, -1):
        if normalized[:length] in table:
            return table[normalized[:length]]
    return None


def _agreed(codes: Iterable[str], table: dict[str, Value]) -> tuple[Value, str] | None:
    found: dict[Value, str] = {}
    for code in codes:
        value = _lookup(code, table)
        if value is not None:
            found.setdefault(value, code)
    return next(iter(found.items())) if len(found) == 1 else None


def infer_site(codes: Iterable[str]) -> tuple[TumorSite, str] | None:
    """The site all mappable codes agree on, with the code that shows it; None if none or several."""
    return _agreed(codes, SITE_BY_PREFIX)


def infer_location(codes: Iterable[str]) -> tuple[SarcomaLocation, str] | None:
    """The sarcoma location the codes agree on (C48.0 retroperitoneum, C49.1/C49.2 limbs)."""
    return _agreed(codes, LOCATION_BY_PREFIX)
