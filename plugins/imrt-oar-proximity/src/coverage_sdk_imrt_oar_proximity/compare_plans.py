"""3D-CRT versus IMRT plan comparison: the summary analysis table and the colour DVH comparison.

The IMRT organs-at-risk policy (shared/policies/imrt-organs-at-risk.txt) asks for
"comparative 3D versus IMRT dose/volume histograms ... in color" and a summary table in its
own template: organ at risk, dose constraint, source of constraint, the 3D and IMRT values,
and "Can constraint only be met with IMRT?". This module computes the table from two RT Dose
files and one RT Structure Set (or from values a case submits) and writes it as CSV,
Markdown and HTML, with the DVH comparison as a PNG (``coverage-sdk compare-plans``; the PNG
needs matplotlib, the ``plots`` extra).
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from coverage_sdk.dose.constraints import parse_constraint
from coverage_sdk.dose.plan_values import PlanDose, find_roi
from coverage_sdk.errors import InputError
from coverage_sdk.policy.model import SummaryRow

if TYPE_CHECKING:
    from coverage_sdk.dose.constraints import Constraint

TITLE = "Summary Analysis of 3D vs IMRT Planning"
COLUMNS = ("Organ(s) At Risk", "Dose Constraint", "Source of Constraint", "3D", "IMRT", "Can constraint only be met with IMRT?")
CONCLUSIONS = {  # (met by 3D, met by IMRT) -> the policy's own words
    (False, True): "Yes (only IMRT meets constraint)",
    (True, True): "No (both meet constraint)",
    (False, False): "No (neither meets constraint)",
    (True, False): "No (only 3D meets constraint)",
}
PLAN_LABELS = ("3D", "IMRT")
FILES = ("summary.csv", "summary.md", "summary.html", "dvh_comparison.png")


# --- constraints and plan values -------------------------------------------------------


def parsed(constraint: str, where: str | None = None) -> Constraint:
    """``constraint`` parsed by the spec's grammar; a malformed one is an InputError naming it."""
    try:
        return parse_constraint(constraint)
    except ValueError as exc:
        raise InputError(f"malformed dose constraint {constraint!r}: {exc}", location=where) from None


def unit_of(constraint: Constraint) -> str:
    return "%" if constraint.unit.strip() == "%" else constraint.unit.strip()


def summary_row(organ: str, constraint: str, source: str | None, value_3d: float | None, value_imrt: float | None) -> SummaryRow:
    """One row of the policy's table; a value not known leaves what depends on it unknown."""
    rule = parsed(constraint)
    met_3d = None if value_3d is None else bool(rule.evaluate(value_3d))
    met_imrt = None if value_imrt is None else bool(rule.evaluate(value_imrt))
    if met_3d is True or met_imrt is False:
        only_imrt = False
    elif met_3d is None or met_imrt is None:
        only_imrt = None
    else:
        only_imrt = True
    conclusion = CONCLUSIONS[(met_3d, met_imrt)] if met_3d is not None and met_imrt is not None else None
    return SummaryRow(organ, constraint, source, value_3d, value_imrt, met_3d, met_imrt, only_imrt, conclusion)


# --- the comparison --------------------------------------------------------------------


@attrs.frozen
class RequestedConstraint:
    """``Brainstem: Dmax < 54 Gy (QUANTEC)`` as given on the command line."""

    organ: str
    constraint: str
    source: str | None

    @classmethod
    def parse(cls, text: str) -> RequestedConstraint:
        organ, colon, rest = text.partition(":")
        rest = rest.strip()
        source = None
        if rest.endswith(")") and "(" in rest:
            rest, _, source = rest[:-1].rpartition("(")
            rest, source = rest.strip(), source.strip() or None
        if not colon or not organ.strip() or not rest:
            raise InputError(f"expected 'ORGAN: METRIC OP NUMBER UNIT (SOURCE)', got {text!r}", location="--constraint")
        parsed(rest, f"--constraint {text!r}")
        return cls(organ.strip(), rest, source)


@attrs.frozen
class Comparison:
    """The table rows, and for the figure each organ's ROI, the plans as given and the files read."""

    rows: list[SummaryRow]
    rois: dict[str, str]
    plans: dict[str, PlanDose]
    constraints: list[RequestedConstraint]
    labels: dict[str, str] = attrs.Factory(dict)
    files: dict[str, tuple[str, ...]] = attrs.Factory(dict)

    def label(self, key: str) -> str:
        """The label the plan was given (``VMAT``) for its column key (``IMRT``)."""
        return self.labels.get(key, key)

    @property
    def provenance(self) -> str:
        """Plans with their files, the date and the SDK version, as printed on the figure."""
        from coverage_sdk.render.dvh_plot import provenance

        return provenance(self.plotted())

    def plotted(self) -> list:
        from coverage_sdk.render.dvh_plot import PlottedPlan

        return [
            PlottedPlan(self.label(key), "3dcrt" if key == "3D" else "imrt", self.plans[key], self.files.get(key, ()))
            for key in PLAN_LABELS
        ]


def compare_plans(
    plans: Mapping[str, PlanDose], constraints: Sequence[RequestedConstraint],
    labels: Mapping[str, str] | None = None, files: Mapping[str, tuple[str, ...]] | None = None,
) -> Comparison:  # fmt: skip
    """Compute every requested constraint on the ``3D`` and ``IMRT`` plans (keys of ``plans``;
    ``labels`` gives the names the plans were given, ``files`` the files each was read from)."""
    rois: dict[str, str] = {}
    rows = []
    for item in constraints:
        values = {}
        for key in PLAN_LABELS:
            plan = plans[key]
            roi = find_roi(list(plan.structures), item.organ)
            if roi is None:
                known = ", ".join(plan.structures)
                raise InputError(f"no ROI for {item.organ!r} in the structure set (ROIs: {known})", location="--constraint")
            rois[item.organ] = roi
            values[key] = plan.measure(roi, parsed(item.constraint).metric)[0]
        rows.append(summary_row(item.organ, item.constraint, item.source, values["3D"], values["IMRT"]))
    return Comparison(rows, rois, dict(plans), list(constraints), dict(labels or {}), dict(files or {}))


# --- writing the table -----------------------------------------------------------------


def format_value(value: float | None, constraint: str) -> str:
    if value is None:
        return "not available"
    unit = unit_of(parsed(constraint))
    return f"{value:.2f}".rstrip("0").rstrip(".") + f" {unit}"


def table_cells(rows: Sequence[SummaryRow]) -> list[list[str]]:
    """The rows as the policy's template shows them (``52 Gy``, ``Yes (only IMRT meets constraint)``)."""
    return [
        [row.organ, row.constraint, row.source or "not given", format_value(row.value_3d, row.constraint),
         format_value(row.value_imrt, row.constraint), row.conclusion or "Cannot be determined (a plan value is missing)"]
        for row in rows
    ]  # fmt: skip


def to_csv(rows: Sequence[SummaryRow], provenance: str | None = None) -> str:
    """The table; ``provenance`` (plans, files, date, SDK version) as a last row after a blank one."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(table_cells(rows))
    if provenance:
        writer.writerows([[], [f"Plans: {provenance}"]])
    return out.getvalue()


def to_markdown(rows: Sequence[SummaryRow], provenance: str | None = None) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    lines = [f"## {TITLE}", "", line(COLUMNS), line(["---"] * len(COLUMNS))]
    lines += [line(cells) for cells in table_cells(rows)]
    if provenance:
        lines += ["", f"Plans: {provenance}"]
    return "\n".join(lines) + "\n"


def to_html(rows: Sequence[SummaryRow], provenance: str | None = None) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>" for cells in table_cells(rows)
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(TITLE)}</title>\n"
        "<style>table{border-collapse:collapse}th,td{border:1px solid #444;padding:4px 8px;text-align:left}"
        "th{background:#e8e8e8}</style></head>\n<body>\n"
        f"<table>\n<caption><strong>{html.escape(TITLE)}</strong></caption>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{body}\n</tbody>\n</table>\n"
        + (f"<p>Plans: {html.escape(provenance)}</p>\n" if provenance else "")
        + "</body></html>\n"
    )


# --- the colour DVH comparison ---------------------------------------------------------


def dvh_figure(comparison: Comparison):
    """The colour DVH comparison of :mod:`coverage_sdk.render.dvh_plot` for this comparison:
    each organ's ROI in its display colour, the target, the constraint marks, the provenance."""
    from coverage_sdk.render.dvh_plot import Limit, dvh_figure as figure

    limits = [Limit(comparison.rois[c.organ], c.constraint, c.source) for c in comparison.constraints]
    rois = list(dict.fromkeys(comparison.rois[c.organ] for c in comparison.constraints))
    return figure(comparison.plotted(), rois, limits)


def write_outputs(comparison: Comparison, out: str | os.PathLike) -> list[Path]:
    """Write the table (CSV, Markdown, HTML) and the DVH comparison PNG into ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in FILES]
    note = comparison.provenance
    paths[0].write_text(to_csv(comparison.rows, note), encoding="utf-8")
    paths[1].write_text(to_markdown(comparison.rows, note), encoding="utf-8")
    paths[2].write_text(to_html(comparison.rows, note), encoding="utf-8")
    dvh_figure(comparison).savefig(paths[3])
    return paths


# --- command line ----------------------------------------------------------------------


def _plan_argument(text: str) -> tuple[str, str, str]:
    """``LABEL=RTDOSE`` as (column key ``3D`` or ``IMRT``, the label as given, the path);
    VMAT and arc labels are IMRT."""
    from coverage_sdk.render.dvh_plot import technique_of

    label, equals, path = text.partition("=")
    technique = technique_of(label)
    if not equals or not path or not label.strip() or technique is None:
        raise InputError(f"expected LABEL=RTDOSE with a 3D label (3D, 3DCRT) or an IMRT one (IMRT, VMAT, arc), got {text!r}",
                         location="--plan")  # fmt: skip
    return ("3D" if technique == "3dcrt" else "IMRT"), label.strip(), path


def cmd_compare_plans(args: argparse.Namespace) -> int:
    from coverage_sdk.render.dvh_plot import require_matplotlib

    given = [_plan_argument(text) for text in args.plan]
    if sorted(key for key, _, _ in given) != sorted(PLAN_LABELS):
        raise InputError("expected exactly two plans, one 3D (--plan 3D=RTDOSE) and one IMRT or VMAT (--plan VMAT=RTDOSE)",
                         location="--plan")  # fmt: skip
    require_matplotlib()
    from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct

    constraints = [RequestedConstraint.parse(text) for text in args.constraint]
    structures = read_rtstruct(args.structures)
    doses = {key: PlanDose(label, read_rtdose(path), structures) for key, label, path in given}
    labels = {key: label for key, label, _ in given}
    files = {key: (path, args.structures) for key, _, path in given}
    comparison = compare_plans(doses, constraints, labels, files)
    paths = write_outputs(comparison, args.out)
    print(to_markdown(comparison.rows, comparison.provenance))
    print("\n".join(f"wrote {path}" for path in paths))
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``compare-plans`` to the ``coverage-sdk`` subcommands."""
    p = subparsers.add_parser(
        "compare-plans", help="3D vs IMRT summary table (CSV, Markdown, HTML) and colour DVH comparison (PNG)"
    )
    p.add_argument("--plan", action="append", required=True, metavar="LABEL=RTDOSE",
                   help="3D=RTDOSE and IMRT=RTDOSE (VMAT or arc labels are IMRT)")  # fmt: skip
    p.add_argument("--structures", required=True, metavar="RTSTRUCT", help="the RT Structure Set of both plans")
    p.add_argument("--constraint", action="append", required=True, metavar="'ORGAN: METRIC OP N UNIT (SOURCE)'",
                   help="e.g. 'Brainstem: Dmax < 54 Gy (QUANTEC)' (repeatable)")  # fmt: skip
    p.add_argument("--out", required=True, metavar="DIR", help="folder for " + ", ".join(FILES))
    p.set_defaults(func=cmd_compare_plans)
    return p
