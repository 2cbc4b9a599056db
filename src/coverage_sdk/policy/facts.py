"""The facts of a case as criteria see them: a dotted path to a value, or unknown (None).

Beyond the case's own fields, a few facts are derived: ``tumor.site`` and
``tumor.location`` inferred from ICD-10-CM codes when absent, ``tumor.t_category`` (T4b ->
T4), whatever a policy declares in ``derived``, and the parameters of the version in force
(``policy_thresholds.minimum_3d_pct`` reads the parameter ``policy_thresholds``). Every lookup
records where a value came from, for the criteria trail.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from coverage_sdk.policy import icd10
from coverage_sdk.policy.model import Case

Derivation = Callable[[Case], Any]

LABELS: dict[str, str] = {
    "tumor.site": "tumor site",
    "tumor.t_category": "T stage",
    "tumor.t_stage": "T stage",
    "tumor.margin_status": "margin status",
    "tumor.recurrent": "recurrent disease",
    "tumor.distant_metastases": "distant metastases",
    "tumor.clinical_node_status": "clinical node status",
    "tumor.invasive": "invasive cancer",
    "tumor.histology": "histology",
    "tumor.resectability": "resectability",
    "patient.age_years": "patient age",
    "setting": "setting of care",
    "line_of_business": "line of business",
    "diagnoses": "ICD-10-CM diagnosis codes",
    "radiation.iort.fractions": "number of IORT fractions",
    "radiation.iort.technique": "IORT technique",
    "radiation.iort.device": "IORT device",
    "radiation.iort.role": "IORT role (boost or monotherapy)",
    "tumor.location": "sarcoma location",
    "tumor.frozen_section_confirms_non_gist_non_desmoid": "frozen-section confirmation (not GIST, not desmoid)",
    "tumor.central_disease": "central pelvic disease",
    "tumor.prior_radiation_to_site": "prior radiation to the site",
    "tumor.prior_radiation_type": "type of prior radiation",
    "tumor.penetration_or_perforation": "tumor penetration or perforation",
    "tumor.high_risk_of_recurrence": "high risk of recurrence",
}


_POLICY_LABELS: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("policy_labels", default={})


def label(path: str) -> str:
    """A reader's name for a fact path: the deciding policy's own label first, then the SDK's."""
    own = _POLICY_LABELS.get().get(path)
    return own or LABELS.get(path, path.rsplit(".", 1)[-1].replace("_", " "))


@contextlib.contextmanager
def policy_labels(labels: Mapping[str, str]) -> Iterator[None]:
    """Within the block, :func:`label` names the facts in ``labels`` as the policy does."""
    token = _POLICY_LABELS.set(labels)
    try:
        yield
    finally:
        _POLICY_LABELS.reset(token)


JSON_ATOMS = frozenset({str, int, float, bool, type(None)})
"""The types of JSON's own values, which need no conversion."""

_UNRESOLVED = object()


def plain(value: Any) -> Any:
    """The JSON value of a fact (enums by value, lists and tuples as lists, a typed value
    with an ``evidence()`` method as what that returns)."""
    if type(value) in JSON_ATOMS:
        return value
    if callable(getattr(value, "evidence", None)):
        return plain(value.evidence())
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [plain(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


@attrs.define
class Facts:
    """Lazy, cached access to a case's facts by path."""

    case: Case
    derived: Mapping[str, Derivation] = attrs.Factory(dict)
    parameters: Mapping[str, Any] = attrs.Factory(dict)
    sources: dict[str, str] = attrs.Factory(dict)
    _cache: dict[str, Any] = attrs.Factory(dict)

    def get(self, path: str) -> Any:
        value = self._cache.get(path, _UNRESOLVED)
        if value is _UNRESOLVED:
            value = self._cache[path] = self._resolve(path)
        return value

    def _resolve(self, path: str) -> Any:
        if path in self.derived:
            return self.derived[path](self.case)
        name, _, rest = path.partition(".")
        if name in self.parameters:
            return _walk(self.parameters[name], rest) if rest else self.parameters[name]
        case = self.case
        if path == "diagnoses":
            return tuple(d.code for d in case.diagnoses) or None
        if path == "procedures":
            return tuple(p.code for p in case.procedures)
        if path == "documentation":
            return frozenset(case.documentation)
        if path == "tumor.t_category":
            return case.tumor.t_category if case.tumor else None
        value = _walk(case, path)
        if value is None and path in ("tumor.site", "tumor.location"):
            codes = [d.code for d in case.diagnoses]
            inferred = (icd10.infer_site if path == "tumor.site" else icd10.infer_location)(codes)
            if inferred is not None:
                value, code = inferred
                self.sources[path] = f"inferred from ICD-10-CM {code}"
        return value

    def evidence(self, paths: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path in paths:
            out[path] = plain(self.get(path))
            if path in self.sources:
                out[f"{path} (source)"] = self.sources[path]
        return out


def _walk(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None) if not isinstance(obj, Mapping) else obj.get(part)
    if isinstance(obj, (list, dict)) and not obj:
        return None
    return obj
