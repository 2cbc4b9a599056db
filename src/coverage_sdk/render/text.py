"""Determinations as text for a person: outcome, reasons, the criteria trail, what is missing."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Any

from coverage_sdk.policy.converter import unstructure
from coverage_sdk.policy.model import Determination, Result

MARK = {Result.MET: "met", Result.NOT_MET: "NOT MET", Result.UNKNOWN: "unknown"}


def to_json(obj: Any) -> str:
    """Stable JSON: sorted keys, two-space indent, UTF-8 text."""
    return json.dumps(unstructure(obj), indent=2, sort_keys=True, ensure_ascii=False)


def _printable(text: str) -> str:
    """``text`` with every control or format character (ANSI escapes, newlines, bidi overrides)
    shown as an escape, so that data from a case cannot forge or hide lines on a terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text)


class _Wrapped(str):
    """A paragraph already made printable and wrapped."""


def _wrap(text: str, indent: str, width: int = 100) -> str:
    return _Wrapped(textwrap.fill(_printable(text), width=width, initial_indent=indent, subsequent_indent=indent + "  "))


def _value(value: Any) -> str:
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)


def determination_text(det: Determination) -> str:
    lines = [f"Case {det.case_id} · policy {det.policy_id}" + (f" (version of {det.policy_version})" if det.policy_version else "")]
    review = "yes" if det.requires_clinical_review else "no"
    lines.append(f"  Outcome: {det.outcome.value.upper().replace('_', ' ')}   clinical review required: {review}")
    if det.prior_authorization_required is not None:
        lines.append(f"  Prior authorization: {'required' if det.prior_authorization_required else 'not required'}")
    if det.error:
        lines.append(_wrap(f"Error: {det.error}", "  "))
    lines.append("  Reasons:")
    lines += [_wrap(f"- {reason}", "    ") for reason in det.reasons]
    if det.missing_information:
        lines.append("  Missing information:")
        lines += [_wrap(f"- {m.field}: {m.reason}", "    ") for m in det.missing_information]
    if det.criteria:
        lines.append("  Criteria (sources below):")
        ids = {c.id for c in det.criteria}
        depth: dict[str, int] = {}
        sources: dict[str, int] = {}
        for c in det.criteria:
            level = depth.get(c.parent, -1) + 1 if c.parent else 0
            depth[c.id] = level
            pad = "    " + "  " * level
            note = sources.setdefault(c.citation, len(sources) + 1)
            lines.append(f"{pad}[{MARK[c.result]}] {c.text} ({c.id}) [{note}]")
            facts = ", ".join(f"{k} = {_value(v)}" for k, v in c.evidence.items() if k not in ids)
            if facts:
                lines.append(_wrap(f"facts: {facts}", pad + "      "))
            if c.interpretation:
                lines.append(_wrap(f"our reading: {c.interpretation}", pad + "      "))
        lines.append("  Sources:")
        lines += [_wrap(f"[{n}] {citation}", "    ") for citation, n in sources.items()]
    if det.summary_table:
        lines.append("  Summary table:")
        lines.append("    organ | constraint | source | 3D | IMRT | conclusion")
        for row in det.summary_table:
            lines.append(f"    {row.organ} | {row.constraint} | {row.source} | {row.value_3d} | {row.value_imrt} | {row.conclusion}")
    if det.line_items:
        lines.append("  Line items:")
        for item in det.line_items:
            approved = "undecided" if item.units_approved is None else item.units_approved
            extra = f" ({item.reason})" if item.reason else ""
            lines.append(f"    {item.code}: {item.units_requested} requested, approved: {approved}; {item.outcome.value}{extra}")
    return "\n".join(line if isinstance(line, _Wrapped) else _printable(line) for line in lines)


def determinations_text(dets: Iterable[Determination]) -> str:
    return "\n\n".join(determination_text(d) for d in dets)
