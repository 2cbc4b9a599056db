"""Policy impact: decide each case under two versions of one policy and report what moves.

Each case is decided as if its date of service were each version's effective date, whatever
its own date, so every case is read under both texts. A criterion is matched across versions
by its id with the numbers taken out (``bone-3d-ge-50pct`` and ``bone-3d-ge-25pct`` are the
same test at another threshold); a change is a matched pair whose result differs, or a
criterion only one version has.
"""

from __future__ import annotations

import base64
import collections
import csv
import html
import io
import os
import re
from collections.abc import Iterable, Sequence

import attrs

import coverage_sdk as cs

from .chunks import CHUNK_SIZE, CaseError, Chunk, plan_chunks, worker_host
from .core import InstalledPolicy, select
from .engines import make_engine, map_unordered
from .inputs import case_files, parse_case

EVALUATED_AT = "impact"


@attrs.frozen
class CriterionChange:
    """One criterion read under both versions: its id and result in each (None where absent)."""

    old_id: str | None
    new_id: str | None
    old_result: str | None
    new_result: str | None
    text: str

    @property
    def label(self) -> str:
        if self.old_id == self.new_id:
            return f"{self.new_id}: {self.old_result} -> {self.new_result}"
        return f"{self.old_id or '(none)'}: {self.old_result or '-'} -> {self.new_id or '(none)'}: {self.new_result or '-'}"


@attrs.frozen
class CaseImpact:
    """A case's outcome under the old and the new version, and the criteria whose results differ."""

    case_id: str
    location: str
    old: cs.Outcome
    new: cs.Outcome
    changes: tuple[CriterionChange, ...]

    @property
    def moved(self) -> bool:
        return self.old is not self.new


@attrs.frozen
class ImpactReport:
    policy_id: str
    old_version: str
    new_version: str
    cases: tuple[CaseImpact, ...]
    errors: tuple[CaseError, ...]
    plugin_failures: int = 0

    @property
    def moved(self) -> list[CaseImpact]:
        return [c for c in self.cases if c.moved]

    def moves(self) -> collections.Counter[tuple[cs.Outcome, cs.Outcome]]:
        """How many cases go from each outcome to each other one."""
        return collections.Counter((c.old, c.new) for c in self.moved)

    def criteria(self) -> collections.Counter[str]:
        """For each criterion change, how many of the moved cases have it."""
        return collections.Counter(change.label for c in self.moved for change in c.changes)


def find_version(policy: InstalledPolicy, given: str):
    """The version named ``given`` (its effective date, or a unique prefix of it such as ``2016``)."""
    versions = policy.policy.versions
    found = [v for v in versions if v.name == given] or [v for v in versions if v.name.startswith(given)]
    if len(found) != 1:
        names = ", ".join(v.name for v in versions)
        what = "names no version" if not found else "names several versions"
        raise cs.InputError(f"{given!r} {what} of {policy.policy.id} (versions: {names})", location="--versions")
    return found[0]


def _shape(criterion_id: str) -> str:
    return re.sub(r"\d+(?:\.\d+)?", "#", criterion_id)


def criterion_changes(old: cs.Determination, new: cs.Determination) -> tuple[CriterionChange, ...]:
    """The criteria whose results differ between two determinations of one case."""
    olds: dict[str, list] = collections.defaultdict(list)
    for item in old.criteria:
        olds[_shape(item.id)].append(item)
    changes = []
    for item in new.criteria:
        match = olds[_shape(item.id)].pop(0) if olds[_shape(item.id)] else None
        old_result = match.result.value if match else None
        if old_result != item.result.value:
            changes.append(CriterionChange(match.id if match else None, item.id, old_result, item.result.value, item.text))
    for items in olds.values():
        changes += [CriterionChange(i.id, None, i.result.value, None, i.text) for i in items]
    return tuple(changes)


@attrs.frozen
class ImpactJob:
    policy_id: str
    old_version: str
    new_version: str


def impact_chunk(chunk: Chunk, job: ImpactJob) -> tuple[int, list[CaseImpact], list[CaseError], int]:
    """Decide every case of ``chunk`` under both versions (the task engines run)."""
    host = worker_host()
    policy = select(host.policies(), [job.policy_id])[0]
    versions = [find_version(policy, name) for name in (job.old_version, job.new_version)]
    cases, errors, failures = [], [], 0
    for item in chunk.cases():
        try:
            case = parse_case(item)
            before, after = (
                cs.evaluate(attrs.evolve(case, date_of_service=v.effective_from), [job.policy_id], host=host, evaluated_at=EVALUATED_AT)[0]
                for v in versions
            )  # fmt: skip
        except cs.InputError as exc:
            errors.append(CaseError(item.location, exc.detail, exc.location))
            continue
        for det in (before, after):
            if det.error is not None and det.error.startswith("InputError"):
                errors.append(CaseError(item.location, det.error.removeprefix("InputError: "), policy_id=job.policy_id))
            elif det.error is not None:
                failures += 1
        cases.append(CaseImpact(case.case_id, item.location, before.outcome, after.outcome, criterion_changes(before, after)))
    return chunk.index, cases, errors, failures


def policy_impact(
    inputs: Iterable[str | os.PathLike[str]], policy_id: str, old_version: str, new_version: str,
    *, engine: str | None = None, workers: int | None = None, scheduler: str | None = None, chunk_size: int = CHUNK_SIZE,
) -> ImpactReport:  # fmt: skip
    """Decide every case of ``inputs`` under both versions of ``policy_id``: in this process
    (``engine`` None) or in chunks on an engine (``local``, ``dask``)."""
    policy = select(worker_host().policies(), [policy_id])[0]
    job = ImpactJob(policy_id, find_version(policy, old_version).name, find_version(policy, new_version).name)
    chunks = plan_chunks(case_files(inputs), chunk_size)
    if engine is None:
        results = [impact_chunk(chunk, job) for chunk in chunks]
    else:
        runner = make_engine(engine, workers, scheduler)
        try:
            results = list(map_unordered(runner, impact_chunk, chunks, job))
        finally:
            runner.close()
    results.sort(key=lambda r: r[0])
    cases = tuple(c for _, found, _, _ in results for c in found)
    errors = tuple(e for _, _, found, _ in results for e in found)
    return ImpactReport(policy_id, job.old_version, job.new_version, cases, errors, sum(r[3] for r in results))


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    cells = [[str(c) for c in row] for row in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]


def impact_text(report: ImpactReport, *, list_cases: int | None = 50) -> str:
    """The report for a terminal: the moves, the criteria behind them, the moved cases."""
    moved = report.moved
    lines = [
        f"{report.policy_id}: version {report.old_version} -> {report.new_version}",
        (f"{len(report.cases)} cases decided under both; {len(moved)} move; {len(report.errors)} could not be read; "
         f"{report.plugin_failures} plugin failures"),
        "",
    ]
    if moved:
        lines += _table(["from", "to", "cases"], [(a.value, b.value, n) for (a, b), n in sorted(report.moves().items(), key=lambda kv: (-kv[1], kv[0][0].value))])
        changes = sorted(report.criteria().items(), key=lambda kv: (-kv[1], kv[0]))
        lines += ["", *_table(["criterion change (old -> new)", "moved cases"], changes)]
        shown = moved if list_cases is None else moved[:list_cases]
        lines += ["", *_table(["case", "from", "to", "criteria that changed"],
                              [(c.case_id, c.old.value, c.new.value, "; ".join(ch.label for ch in c.changes)) for c in shown])]  # fmt: skip
        if len(shown) < len(moved):
            lines.append(f"... and {len(moved) - len(shown)} more (all in the CSV)")
    for error in report.errors:
        lines.append(f"error: {error.location}: {error.message}")
    return "\n".join(lines)


def impact_csv(report: ImpactReport) -> str:
    """One row per case: outcomes under both versions, whether it moved, the criteria that changed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["case_id", "location", f"outcome_{report.old_version}", f"outcome_{report.new_version}", "moved", "criteria_changed"])
    for c in report.cases:
        writer.writerow([c.case_id, c.location, c.old.value, c.new.value, "yes" if c.moved else "no", "; ".join(ch.label for ch in c.changes)])
    return out.getvalue()


def moves_png(report: ImpactReport) -> bytes:
    """A bar chart of the moves (one bar per from -> to), as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    moves = sorted(report.moves().items(), key=lambda kv: kv[1])
    figure = Figure(figsize=(10, 1.4 + 0.45 * max(len(moves), 1)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [f"{a.value} -> {b.value}" for (a, b), _ in moves]
    bars = axes.barh(labels, [n for _, n in moves], color="#3b6ea8")
    axes.bar_label(bars, padding=3)
    axes.set_xlabel("cases")
    axes.set_title(f"{report.policy_id}\noutcomes that move from {report.old_version} to {report.new_version}", fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def impact_html(report: ImpactReport) -> str:
    """A self-contained page: the chart (inline PNG), the moves, the criteria, every moved case."""
    esc = html.escape

    def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
        head = "".join(f"<th>{esc(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    chart = base64.b64encode(moves_png(report)).decode("ascii")
    title = f"{report.policy_id}: {report.old_version} -> {report.new_version}"
    moved = report.moved
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Policy impact, {esc(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left}</style>"
        f"</head><body><h1>Policy impact, {esc(title)}</h1>"
        f"<p>{len(report.cases)} cases decided under both versions; {len(moved)} move; {len(report.errors)} could not be read.</p>"
        f"<img alt=\"outcomes that move\" src=\"data:image/png;base64,{chart}\">"
        "<h2>Moves</h2>" + table(["from", "to", "cases"], [(a.value, b.value, n) for (a, b), n in report.moves().most_common()])
        + "<h2>Criteria that changed, in moved cases</h2>" + table(["criterion change (old -> new)", "moved cases"], report.criteria().most_common())
        + "<h2>Moved cases</h2>" + table(["case", "location", "from", "to", "criteria that changed"],
                                           [(c.case_id, c.location, c.old.value, c.new.value, "; ".join(ch.label for ch in c.changes)) for c in moved])
        + "</body></html>\n"
    )  # fmt: skip
