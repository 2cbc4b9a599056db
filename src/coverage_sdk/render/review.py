"""What a reviewer reads first, shared by the text and HTML renderers.

From a determination: the specific reasons (requirements of other cancer sites set apart),
the warnings (with plan-value disagreements found in the evidence when a plugin has not
raised the warning itself), the criteria trail split into the deciding branches and the
branches about other sites or products, evidence as words and numbers with units, the
summary table's units and what to send for each missing fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from coverage_sdk.policy.facts import label
from coverage_sdk.policy.model import CriterionResult, Determination, Outcome, Result, SummaryRow, Warning, WarningCode

OTHER_SITE_REASON = re.compile(r"; in this case tumor site is [^;]+(;|\.$)")
OTHER_BRANCH_FACTS = ("tumor.site", "line_of_business")
FAVOURABLE = (Outcome.MEDICALLY_NECESSARY,)
PLAN_KEYS = {"3dcrt": "3D plan", "imrt": "IMRT plan", "computed_from_dicom": "computed from DICOM"}
SENDS = (
    ("tumor.margin_status", "the pathology report (margins)"),
    ("tumor.histology", "the pathology report (histology)"),
    ("tumor.frozen_section", "the frozen-section pathology report"),
    ("tumor.invasive", "the pathology report"),
    ("tumor.", "clinical history or chart notes giving the tumor facts"),
    ("patient.", "the patient's demographics"),
    ("diagnoses", "the ICD-10-CM diagnosis codes"),
    ("radiation.iort", "the IORT treatment plan (technique, device, role)"),
    ("radiation.structures", "the names of the bone and joint ROIs in the structure set"),
    ("plan_metrics.", "both treatment plans: DICOM RT Dose and Structure Set, or the plan values"),
    ("radiation.plans", "both treatment plans: DICOM RT Dose and Structure Set, or the plan values"),
    ("oar.", "both treatment plans and the organ-at-risk constraints with their sources"),
    ("documentation", "the documents the policy lists"),
    ("line_of_business", "the member's line of business"),
    ("setting", "the setting of care (inpatient or outpatient)"),
)


def outcome_words(outcome: Outcome) -> str:
    return outcome.value.replace("_", " ").upper()


def payer_note(dets: Sequence[Determination], payer: str | None) -> str:
    """Whose rule decided: the case's payer, or every installed payer's policy."""
    if payer:
        return f"Payer: {payer} (named by the case): only its policies were applied."
    payers = sorted({d.payer for d in dets if d.payer})
    named = f" ({', '.join(payers)})" if payers else ""
    return f"Payer: not named by the case, so every installed payer's policy{named} that covers these procedures was applied."


def specific_reasons(det: Determination) -> tuple[list[str], list[str]]:
    """The reasons about this case, and the requirements of other cancer sites set apart."""
    own: list[str] = []
    other: list[str] = []
    for reason in det.reasons:
        (other if OTHER_SITE_REASON.search(reason) and len(det.reasons) > 1 else own).append(reason)
    return own or list(det.reasons[:1]), other


def warnings(det: Determination) -> list[Warning]:
    """The determination's warnings, and a plan-value disagreement its evidence shows when the
    plugin raised none (shared/spec/interchange.md: more than 1 point or 1 % of the dose)."""
    found = list(det.warnings)
    if any(w.code is WarningCode.DICOM_SUBMITTED_DISAGREEMENT for w in found):
        return found
    seen = set()
    for criterion in det.criteria:
        for where, item in _dicts(criterion.evidence, criterion.id):
            if item.get("disagreement_over_1_point") is True or item.get("disagreement") is True:
                computed = item.get("computed_from_dicom", item.get("value"))
                key = (item.get("plan"), computed, item.get("submitted"))
                if key in seen:
                    continue
                seen.add(key)
                gap = item.get("computed_minus_submitted_points")
                message = (
                    f"{item.get('plan') or 'a plan'}: computed from DICOM {number(computed)} %, "
                    f"submitted {number(item.get('submitted'))} %"
                    + (f" ({number(abs(gap))} percentage points apart)" if isinstance(gap, (int, float)) else "")
                    + "; a person must check which is right."
                )
                found.append(Warning(WarningCode.DICOM_SUBMITTED_DISAGREEMENT, message, where))
    return found


def _dicts(value: Any, where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(value, Mapping):
        yield where, value
        for key, item in value.items():
            yield from _dicts(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _dicts(item, where)


def to_send(det: Determination) -> list[str]:
    """What to send, once each, for the missing facts."""
    out: dict[str, None] = {}
    for missing in det.missing_information:
        for prefix, what in SENDS:
            if missing.field.startswith(prefix):
                out.setdefault(what)
                break
        else:
            out.setdefault(label(missing.field))
    return list(out)


@attrs.frozen
class Branch:
    """A top-level criterion of the trail with its descendants (in trail order, with depth)."""

    root: CriterionResult
    nodes: tuple[tuple[int, CriterionResult], ...]
    other: bool


def branches(det: Determination) -> list[Branch]:
    """The trail by top-level criterion; a not-met branch is about another site or product when
    one of its criteria fails on the tumor site or the line of business."""
    depth: dict[str, int] = {}
    groups: list[list[tuple[int, CriterionResult]]] = []
    for c in det.criteria:
        level = depth.get(c.parent, -1) + 1 if c.parent and c.parent in depth else 0
        depth[c.id] = level
        if level == 0 or not groups:
            groups.append([])
        groups[-1].append((level, c))
    out = []
    elsewhere: set[str] = set()
    for nodes in groups:
        root = nodes[0][1]
        other = root.result is not Result.MET and any(
            c.result is Result.NOT_MET and any(k in c.evidence for k in OTHER_BRANCH_FACTS) for _, c in nodes
        )
        if other:
            elsewhere.update(c.id for _, c in nodes)
        out.append(Branch(root, tuple(nodes), other))
    return [_refers_elsewhere(b, elsewhere) for b in out]


def _refers_elsewhere(branch: Branch, elsewhere: set[str]) -> Branch:
    """A branch whose failing parts were decided in a branch about another site is one too."""
    failing = [k for k, v in branch.root.evidence.items() if v == Result.NOT_MET.value]
    if branch.other or branch.root.result is Result.MET or len(branch.nodes) > 1 or not failing:
        return branch
    return attrs.evolve(branch, other=all(k in elsewhere for k in failing))


def ordered(det: Determination) -> tuple[list[Branch], list[Branch], list[Branch]]:
    """(deciding, not applying, other sites or products): the met branches first; for a
    favourable outcome the branches not met are exclusions and alternatives that do not apply."""
    all_branches = branches(det)
    met = [b for b in all_branches if b.root.result is Result.MET]
    rest = [b for b in all_branches if b.root.result is not Result.MET]
    if det.outcome in FAVOURABLE:
        return met, rest, []
    return met + [b for b in rest if not b.other], [], [b for b in rest if b.other]


def mark(result: Result) -> str:
    return {Result.MET: "yes", Result.NOT_MET: "no", Result.UNKNOWN: "unknown"}[result]


def number(value: Any) -> str:
    """A number as a reader writes it: 71.666667 -> 71.7, 0.666667 -> 0.67, 44.0 -> 44."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "not given" if value is None else str(value)
    digits = 1 if abs(value) >= 10 else 2
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def fact_label(key: str) -> str:
    """``plan_metrics.3dcrt_bone_circumference_pct_ge_40gy`` -> ``3D plan: bone circumference, % at >= 40 Gy``."""
    words = label(key)
    if words != key.rsplit(".", 1)[-1].replace("_", " "):
        return words
    name = key.rsplit(".", 1)[-1]
    plan = ""
    for prefix, text in (("3dcrt_", "3D plan: "), ("imrt_", "IMRT plan: ")):
        if name.startswith(prefix):
            plan, name = text, name[len(prefix):]
    name = re.sub(r"_pct_ge_(\d+)gy$", r", % at >= \1 Gy", name)
    return plan + name.replace("_", " ").replace(" pct", " %")


def unit_for(key: str) -> str:
    name = key.rsplit(".", 1)[-1].lower()
    if "_pct" in name or name.endswith("pct") or re.search(r"^v\d", name) and not name.endswith("_cc"):
        return " %"
    if name.endswith("_points"):
        return " percentage points"
    if re.match(r"^d(max|min|mean|\d)", name) and not name.endswith("cc"):
        return " Gy"
    return ""


def value_words(value: Any, key: str = "") -> str:
    """A fact's value in words and numbers with units, never JSON."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return number(value) + unit_for(key)
    if isinstance(value, str):
        return value.replace("_", " ") if re.fullmatch(r"[a-z0-9_]+", value) else value
    if isinstance(value, Mapping):
        if "organ" in value and "constraint" in value:
            return _comparison_words(value)
        parts = []
        for k, v in value.items():
            if v in (None, [], {}):
                continue
            name = PLAN_KEYS.get(k, k.replace("_", " "))
            parts.append(f"{name} ({value_words(v, k)})" if isinstance(v, Mapping) else f"{name} {value_words(v, k)}")
        return ", ".join(parts) or "none"
    if isinstance(value, (list, tuple)):
        glue = "; " if any(isinstance(v, Mapping) for v in value) else ", "
        return glue.join(value_words(v, key) for v in value) or "none"
    return str(value)


def _comparison_words(row: Mapping[str, Any]) -> str:
    unit = constraint_unit(str(row.get("constraint", "")))
    source = f" ({row['source']})" if row.get("source") else ""
    values = f"3D {_with_unit(row.get('value_3d'), unit)}, IMRT {_with_unit(row.get('value_imrt'), unit)}"
    conclusion = f": {row['conclusion']}" if row.get("conclusion") else ""
    return f"{row['organ']}, {row['constraint']}{source}: {values}{conclusion}"


def _with_unit(value: Any, unit: str) -> str:
    if value is None:
        return "not available"
    return number(value) + (f" {unit}" if unit else "")


def constraint_unit(constraint: str) -> str:
    """The unit of a constraint's values: ``Max < 66 Gy`` -> Gy, ``V20Gy < 30 %`` -> %."""
    text = constraint.strip()
    if text.startswith("%"):
        return "%"
    match = re.match(r"^\S+\s*(<=|>=|<|>)\s*[-+0-9.eE]+\s*(Gy|%|cc)\b", text)
    return match.group(2) if match else ""


def evidence_lines(c: CriterionResult, own_ids: set[str]) -> list[str]:
    """The facts behind a criterion as ``label: value`` phrases (sub-criteria left out)."""
    return [f"{fact_label(k)}: {value_words(v, k)}" for k, v in c.evidence.items() if k not in own_ids]


def row_cells(row: SummaryRow) -> dict[str, str]:
    """A summary-table row with units: organ, constraint, source, 3D, IMRT, conclusion."""
    unit = constraint_unit(row.constraint)
    conclusion = row.conclusion or ("Yes (only IMRT meets constraint)" if row.only_imrt_meets else "not determined")
    return {
        "organ": row.organ, "constraint": row.constraint, "source": row.source or "not given",
        "3D": _with_unit(row.value_3d, unit), "IMRT": _with_unit(row.value_imrt, unit), "conclusion": conclusion,
    }  # fmt: skip


def citations(det: Determination) -> dict[str, int]:
    """Each distinct citation of the trail with its number, in order of first use."""
    numbers: dict[str, int] = {}
    for c in det.criteria:
        numbers.setdefault(c.citation, len(numbers) + 1)
    return numbers
