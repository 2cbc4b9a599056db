"""Determinations as text for a person.

First the case header (whose rule, one line per determination), then for each determination
the outcome, warnings, the specific reason, what is missing and what to send; then the
details: the criteria trail with the deciding branches in full and the branches about other
sites or products folded to one line each (``trail="full"`` shows everything), the summary
table with units, line items and the numbered sources. Lines fit ``width``.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from coverage_sdk.policy.converter import unstructure
from coverage_sdk.policy.model import Case, Determination
from coverage_sdk.render import review


def to_json(obj: Any) -> str:
    """Stable JSON: sorted keys, two-space indent, UTF-8 text."""
    return json.dumps(unstructure(obj), indent=2, sort_keys=True, ensure_ascii=False)


def terminal_width() -> int:
    return max(60, min(shutil.get_terminal_size((100, 24)).columns, 160))


def _printable(text: str) -> str:
    """``text`` with every control or format character (ANSI escapes, newlines, bidi overrides)
    shown as an escape, so that data from a case cannot forge or hide lines on a terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text)


class _Lines(list):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def add(self, text: str, indent: int = 0, hang: int = 2) -> None:
        pad = " " * indent
        self.extend(textwrap.wrap(_printable(text), self.width, initial_indent=pad, subsequent_indent=pad + " " * hang,
                                  break_on_hyphens=False) or [pad])  # fmt: skip


def _title(det: Determination) -> str:
    return det.policy_title or det.policy_id


def case_header(case_id: str, dets: Sequence[Determination], payer: str | None, out: _Lines) -> None:
    out.add(f"Case {case_id}: {len(dets)} determination{'s' if len(dets) != 1 else ''}")
    out.add(review.payer_note(dets, payer), 2)
    for n, det in enumerate(dets, 1):
        version = f"version of {det.policy_version}" if det.policy_version else "no version in force"
        review_flag = "clinical review: yes" if det.requires_clinical_review else "clinical review: no"
        out.add(f"{n}. {review.outcome_words(det.outcome)} · {det.payer or 'no payer named'} · {_title(det)} "
                f"({det.policy_id}, {version}) · {review_flag}", 2, 5)  # fmt: skip
        for w in review.warnings(det):
            out.add(f"WARNING ({w.code.value}): {w.message}", 5, 4)


def decision(n: int, det: Determination, out: _Lines) -> None:
    out.append("")
    out.add(f"{n}. {_title(det)} ({det.payer or 'no payer named'}): {review.outcome_words(det.outcome)}", 0, 3)
    facts = [f"clinical review required: {'yes' if det.requires_clinical_review else 'no'}"]
    if det.prior_authorization_required is not None:
        facts.append(f"prior authorization: {'required' if det.prior_authorization_required else 'not required'}")
    out.add("; ".join(facts), 3)
    for w in review.warnings(det):
        out.add(f"WARNING ({w.code.value}): {w.message}" + (f" [{w.field}]" if w.field else ""), 3, 4)
    if det.error:
        out.add(f"Error: {det.error}", 3)
    own, other = review.specific_reasons(det)
    for reason in own:
        out.add(f"Reason: {reason}", 3, 4)
    if other:
        many = "requirements for other cancer sites are" if len(other) > 1 else "requirement for another cancer site is"
        out.add(f"({len(other)} {many} not listed here; --trail full shows {'them' if len(other) > 1 else 'it'}.)", 3)
    if det.missing_information:
        out.add("Missing: " + "; ".join(dict.fromkeys(review.fact_label(m.field) for m in det.missing_information)), 3, 4)
        out.add("What to send: " + "; ".join(review.to_send(det)), 3, 4)


def details(n: int, det: Determination, out: _Lines, trail: str) -> None:
    out.append("")
    out.add(f"Details of {n}. {det.policy_id}", 0)
    numbers = review.citations(det)
    if trail == "full":
        _, other_sites = review.specific_reasons(det)
        if other_sites:
            out.add("Requirements for other cancer sites:", 2)
            for reason in other_sites:
                out.add(f"- {reason}", 4)
    if det.criteria:
        deciding, not_applying, other = review.ordered(det) if trail != "full" else (review.branches(det), [], [])
        ids = {c.id for c in det.criteria}
        out.add("Criteria (yes = met; the deciding branches in full):" if trail != "full" else "Criteria (every branch):", 2)
        for branch in deciding:
            for level, c in branch.nodes:
                _criterion(c, level, ids, numbers, out)
        if not_applying:
            out.add("Exclusions and other paths that do not apply (good news for this request):", 2)
            for branch in not_applying:
                out.add(f"- does not apply: {branch.root.text} [{numbers[branch.root.citation]}]", 4, 4)
        if other:
            out.add("About other cancer sites or products (folded; --trail full shows them):", 2)
            for branch in other:
                out.add(f"- {branch.root.text} [{numbers[branch.root.citation]}]", 4, 4)
    if det.summary_table:
        out.add("Summary table (3D vs IMRT):", 2)
        for row in det.summary_table:
            cells = review.row_cells(row)
            out.add(f"- {cells['organ']}: {cells['constraint']}", 4, 4)
            out.add(f"3D {cells['3D']}; IMRT {cells['IMRT']}; {cells['conclusion']}", 6, 2)
            out.add(f"source: {cells['source']}", 6, 2)
    if det.line_items:
        out.add("Line items:", 2)
        for item in det.line_items:
            approved = "undecided" if item.units_approved is None else item.units_approved
            extra = f" ({item.reason})" if item.reason else ""
            out.add(f"{item.code}: {item.units_requested} requested, approved: {approved}; "
                    f"{item.outcome.value.replace('_', ' ')}{extra}", 4, 4)  # fmt: skip
    if numbers:
        out.add("Sources:", 2)
        for citation, k in numbers.items():
            out.add(f"[{k}] {citation}", 4, 4)
    audit = det.audit
    out.add(f"Audit: coverage-sdk {audit.sdk_version}; {audit.plugin} {audit.plugin_version}; "
            f"case sha256 {audit.case_sha256}; evaluated at {audit.evaluated_at}", 2, 4)  # fmt: skip


def _criterion(c, level: int, ids: set[str], numbers: dict[str, int], out: _Lines) -> None:
    indent = 4 + 2 * level
    out.add(f"{review.mark(c.result)}: {c.text} [{numbers[c.citation]}]", indent, 4)
    facts = review.evidence_lines(c, ids)
    if facts:
        out.add("facts: " + "; ".join(facts), indent + 4, 2)
    if c.interpretation:
        out.add(f"our reading: {c.interpretation}", indent + 4, 2)


def case_text(case: Case | None, dets: Sequence[Determination], *, trail: str = "decisive", width: int | None = None) -> str:
    """One case's determinations for a person (``trail`` is ``decisive`` or ``full``)."""
    out = _Lines(width or terminal_width())
    case_id = case.case_id if case else (dets[0].case_id if dets else "")
    case_header(case_id, dets, case.payer if case else None, out)
    for n, det in enumerate(dets, 1):
        decision(n, det, out)
    for n, det in enumerate(dets, 1):
        details(n, det, out, trail)
    return "\n".join(line.rstrip() for line in out)


def determinations_text(cases: Iterable[tuple[Case | None, Sequence[Determination]]], *, trail: str = "decisive",
                        width: int | None = None) -> str:  # fmt: skip
    """Each case's determinations (:func:`case_text`), separated by a blank line."""
    return "\n\n".join(case_text(case, dets, trail=trail, width=width) for case, dets in cases if dets)
