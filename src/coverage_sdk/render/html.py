"""One self-contained HTML page per case, for the reviewer's case file.

The same order as the text (:mod:`coverage_sdk.render.text`): the header with whose rule and
one line per determination, the warnings banner, then per determination the outcome, reasons,
what is missing and what to send, the criteria trail as collapsible sections, the summary
table, the DVH comparison (inline PNG) where the case gives plans as DICOM, numbered
citations and the audit block. Styles and images are inline; nothing is fetched. Printed from
a browser, every section is opened and no table or figure is cut by a page break.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

from coverage_sdk.policy.model import Case, CriterionResult, Determination
from coverage_sdk.render import review

STYLE = """
:root{--ink:#1b1b1b;--muted:#555;--line:#c8c8c8;--good:#1d6b2f;--bad:#a11d1d;--warn:#8a5a00}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);
 max-width:1100px;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .4rem;border-bottom:2px solid var(--line)}
h3{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{border:1px solid var(--line);padding:4px 8px;
 text-align:left;vertical-align:top}th{background:#efefef}caption{text-align:left;font-weight:600;padding:.2rem 0}
.outcome{font-weight:700}.outcome.favourable{color:var(--good)}.outcome.adverse{color:var(--bad)}
.banner{border:2px solid var(--warn);background:#fff6e0;padding:.5rem .8rem;margin:1rem 0;border-radius:4px}
.banner.clear{border-color:var(--good);background:#eef8ef}.banner h2{border:0;margin:0 0 .3rem}
.banner li{margin:.2rem 0}code{font-size:.9em}
.yes{color:var(--good);font-weight:600}.no{color:var(--bad);font-weight:600}.unknown{color:var(--warn);font-weight:600}
details{margin:.2rem 0 .2rem 1rem}summary{cursor:pointer}.facts,.reading{margin:.1rem 0 .1rem 1.6rem;color:var(--muted)}
.folded li{color:var(--muted)}figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid var(--line)}
.audit{font-size:.85rem;color:var(--muted)}.audit dt{font-weight:600;float:left;clear:left;width:11rem}.audit dd{margin-left:11.5rem}
ol.sources li{margin:.2rem 0;font-size:.9rem}
@media print{body{max-width:none;margin:0;font-size:11pt}section.determination{break-before:page}
 table,figure,.banner,.audit,tr{break-inside:avoid}thead{display:table-header-group}summary{list-style:none}}
"""
OPEN_ON_PRINT = "window.addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true;});});"


def _e(text: object) -> str:
    return html.escape(str(text))


def _outcome(det: Determination) -> str:
    kind = "favourable" if not det.requires_clinical_review else "adverse"
    return f'<span class="outcome {kind}">{_e(review.outcome_words(det.outcome))}</span>'


def case_html(
    case: Case, dets: Sequence[Determination], *, source: str = "", plot_png: bytes | None = None,
    plot_note: str | None = None, trail: str = "decisive",
) -> str:  # fmt: skip
    """The page for ``case`` and its determinations; ``plot_png`` is the DVH comparison, if any."""
    from coverage_sdk.host.evaluate import sdk_version

    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Coverage review: {_e(case.case_id)}</title><style>{STYLE}</style></head><body>",
        '<header id="case-header">', f"<h1>Coverage review: case {_e(case.case_id)}</h1>",
        f"<p>Date of service {case.date_of_service.isoformat()}"
        + (f"; case file <code>{_e(Path(source).name)}</code>" if source else "") + f"; coverage-sdk {_e(sdk_version())}</p>",
        f"<p>{_e(review.payer_note(dets, case.payer))}</p>",
        '<table id="determinations"><thead><tr><th>#</th><th>Payer</th><th>Policy</th><th>Version</th><th>Outcome</th>'
        "<th>Clinical review</th></tr></thead><tbody>",
    ]  # fmt: skip
    for n, det in enumerate(dets, 1):
        parts.append(
            f"<tr><td>{n}</td><td>{_e(det.payer or 'no payer named')}</td><td>{_e(det.policy_title or det.policy_id)}"
            f" <code>{_e(det.policy_id)}</code></td><td>{_e(det.policy_version or 'none in force')}</td>"
            f"<td>{_outcome(det)}</td><td>{'yes' if det.requires_clinical_review else 'no'}</td></tr>"
        )
    parts.append("</tbody></table></header>")
    parts.append(_banner(dets))
    plans = "; ".join(
        f"{p.label} ({Path(p.dicom.rtdose).name if p.dicom else 'submitted values'})"
        for p in (case.radiation.plans if case.radiation else [])
    )
    for n, det in enumerate(dets, 1):
        parts.append(_determination(n, det, trail, plans))
    if plot_png is not None:
        data = base64.b64encode(plot_png).decode("ascii")
        parts.append(
            '<section id="dvh"><h2>Comparative DVH</h2><figure>'
            f'<img id="dvh-plot" alt="Comparative dose-volume histograms of the plans" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(plot_note or '')}</figcaption></figure></section>"
        )
    parts.append(f"<script>{OPEN_ON_PRINT}</script></body></html>")
    return "\n".join(parts) + "\n"


def _banner(dets: Sequence[Determination]) -> str:
    items = [
        f"<li><strong>{_e(det.policy_id)}</strong>: <code>{_e(w.code.value)}</code> {_e(w.message)}"
        + (f" <small>({_e(w.field)})</small>" if w.field else "") + "</li>"
        for det in dets for w in review.warnings(det)
    ]  # fmt: skip
    if not items:
        return '<section id="warnings" class="banner clear"><h2>Warnings</h2><p>No warnings.</p></section>'
    return f'<section id="warnings" class="banner" role="alert"><h2>Warnings</h2><ul>{"".join(items)}</ul></section>'


def _determination(n: int, det: Determination, trail: str, plans: str) -> str:
    numbers = review.citations(det)
    out = [
        f'<section class="determination" id="determination-{n}">',
        f"<h2>{n}. {_e(det.policy_title or det.policy_id)} <small>({_e(det.payer or 'no payer named')}, "
        f"version of {_e(det.policy_version or 'none')})</small></h2>",
        f"<p>Outcome: {_outcome(det)}; clinical review required: {'yes' if det.requires_clinical_review else 'no'}"
        + ("" if det.prior_authorization_required is None
           else f"; prior authorization {'required' if det.prior_authorization_required else 'not required'}") + "</p>",
    ]  # fmt: skip
    own, other_reasons = review.specific_reasons(det)
    out.append("<h3>Reason</h3><ul>" + "".join(f"<li>{_e(r)}</li>" for r in own) + "</ul>")
    if other_reasons:
        out.append(f"<details><summary>Requirements for other cancer sites ({len(other_reasons)})</summary><ul>"
                   + "".join(f"<li>{_e(r)}</li>" for r in other_reasons) + "</ul></details>")  # fmt: skip
    if det.error:
        out.append(f"<p><strong>Error:</strong> {_e(det.error)}</p>")
    if det.missing_information:
        out.append("<h3>Missing information</h3><ul>"
                   + "".join(f"<li>{_e(review.fact_label(m.field))}: {_e(m.reason)}</li>" for m in det.missing_information)
                   + "</ul><h3>What to send</h3><ul>" + "".join(f"<li>{_e(s)}</li>" for s in review.to_send(det)) + "</ul>")  # fmt: skip
    if det.criteria:
        ids = {c.id for c in det.criteria}
        deciding, not_applying, other = review.ordered(det) if trail != "full" else (review.branches(det), [], [])
        out.append("<h3>Criteria</h3>")
        for branch in deciding:
            out.append(_tree(branch.nodes, ids, numbers, open_=True))
        if not_applying:
            out.append('<h3>Exclusions and other paths that do not apply</h3><ul class="folded">'
                       + "".join(f"<li>does not apply: {_e(b.root.text)} <sup>[{numbers[b.root.citation]}]</sup></li>"
                                 for b in not_applying) + "</ul>")  # fmt: skip
        if other:
            out.append(f"<details><summary>About other cancer sites or products ({len(other)})</summary>"
                       + "".join(_tree(b.nodes, ids, numbers, open_=False) for b in other) + "</details>")  # fmt: skip
    if det.summary_table:
        out.append(_summary_table(det, plans))
    if det.line_items:
        out.append("<table><caption>Line items</caption><thead><tr><th>Code</th><th>Requested</th><th>Approved</th>"
                   "<th>Outcome</th><th>Reason</th></tr></thead><tbody>"
                   + "".join(f"<tr><td>{_e(i.code)}</td><td>{i.units_requested}</td>"
                             f"<td>{'undecided' if i.units_approved is None else i.units_approved}</td>"
                             f"<td>{_e(i.outcome.value.replace('_', ' '))}</td><td>{_e(i.reason or '')}</td></tr>"
                             for i in det.line_items) + "</tbody></table>")  # fmt: skip
    if numbers:
        out.append('<h3>Sources</h3><ol class="sources">' + "".join(f"<li>{_e(c)}</li>" for c in numbers) + "</ol>")
    audit = det.audit
    out.append(
        '<dl class="audit"><dt>SDK</dt><dd>coverage-sdk ' + _e(audit.sdk_version) + "</dd>"
        f"<dt>Plugin</dt><dd>{_e(audit.plugin)} {_e(audit.plugin_version)}</dd>"
        f"<dt>Case SHA-256</dt><dd><code>{_e(audit.case_sha256)}</code></dd>"
        f"<dt>Evaluated at</dt><dd>{_e(audit.evaluated_at)}</dd></dl></section>"
    )
    return "\n".join(out)


def _tree(nodes: Sequence[tuple[int, CriterionResult]], ids: set[str], numbers: dict[str, int], open_: bool) -> str:
    """Nested ``<details>`` for a branch: each criterion with its result, facts and our reading."""
    out, depth = [], -1
    for level, c in nodes:
        while depth >= level:
            out.append("</details>")
            depth -= 1
        word = review.mark(c.result)
        opened = " open" if open_ else ""
        out.append(f'<details{opened}><summary><span class="{word}">{word}</span>: {_e(c.text)} '
                   f"<sup>[{numbers[c.citation]}]</sup></summary>")  # fmt: skip
        facts = review.evidence_lines(c, ids)
        if facts:
            out.append(f'<p class="facts">{_e("; ".join(facts))}</p>')
        if c.interpretation:
            out.append(f'<p class="reading">Our reading: {_e(c.interpretation)}</p>')
        depth = level
    out += ["</details>"] * (depth + 1)
    return "".join(out)


def _summary_table(det: Determination, plans: str) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("Organ at risk", "Dose constraint", "Source", "3D", "IMRT", "Only IMRT meets?"))
    rows = []
    for row in det.summary_table:
        cells = review.row_cells(row)
        rows.append("<tr>" + "".join(f"<td>{_e(cells[k])}</td>" for k in ("organ", "constraint", "source", "3D", "IMRT", "conclusion")) + "</tr>")
    note = "; ".join(x for x in (f"plans: {plans}" if plans else "", det.policy_id, det.audit.evaluated_at[:10],
                                 f"coverage-sdk {det.audit.sdk_version}") if x)  # fmt: skip
    caption = f"Summary analysis of 3D vs IMRT planning <small>({_e(note)})</small>"
    return f'<table class="summary-table"><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
