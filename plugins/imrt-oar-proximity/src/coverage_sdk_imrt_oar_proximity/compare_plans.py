"""3D-CRT versus IMRT plan comparison: the summary analysis table and the colour DVH comparison.

The IMRT organs-at-risk policy (shared/policies/imrt-organs-at-risk.txt) asks for
"comparative 3D versus IMRT dose/volume histograms ... in color" and a summary table in its
own template: organ at risk, dose constraint, source of constraint, the 3D and IMRT values,
and "Can constraint only be met with IMRT?". This module computes the table from two RT Dose
files and one RT Structure Set (or from values a case submits) and writes it as CSV,
Markdown and HTML, with the DVH comparison as a PNG (``coverage-sdk compare-plans``).
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
from coverage_sdk.dose.metrics import Kind, metric
from coverage_sdk.dose.plan_values import PlanDose, find_roi
from coverage_sdk.errors import InputError
from coverage_sdk.policy.model import SummaryRow

if TYPE_CHECKING:
    from coverage_sdk.dose.constraints import Constraint
    from coverage_sdk.dose.dvh import DVH

TITLE = "Summary Analysis of 3D vs IMRT Planning"
COLUMNS = ("Organ(s) At Risk", "Dose Constraint", "Source of Constraint", "3D", "IMRT", "Can constraint only be met with IMRT?")
CONCLUSIONS = {  # (met by 3D, met by IMRT) -> the policy's own words
    (False, True): "Yes (only IMRT meets constraint)",
    (True, True): "No (both meet constraint)",
    (False, False): "No (neither meets constraint)",
    (True, False): "No (only 3D meets constraint)",
}
PLAN_LABELS = ("3D", "IMRT")
FIXED_POINTS = {Kind.DMAX: (0.0, "X"), Kind.DMIN: (100.0, "X"), Kind.DMEAN: (50.0, "D")}  # (volume %, marker)
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
    """The table rows, and for the figure each organ's ROI and DVH per plan label."""

    rows: list[SummaryRow]
    rois: dict[str, str]
    dvhs: dict[tuple[str, str], DVH]
    constraints: list[RequestedConstraint]


def compare_plans(plans: Mapping[str, PlanDose], constraints: Sequence[RequestedConstraint]) -> Comparison:
    """Compute every requested constraint on the ``3D`` and ``IMRT`` plans."""
    rois: dict[str, str] = {}
    dvhs: dict[tuple[str, str], DVH] = {}
    rows = []
    for item in constraints:
        values = {}
        for label in PLAN_LABELS:
            plan = plans[label]
            roi = find_roi(list(plan.structures), item.organ)
            if roi is None:
                known = ", ".join(plan.structures)
                raise InputError(f"no ROI for {item.organ!r} in the structure set (ROIs: {known})", location="--constraint")
            rois[item.organ] = roi
            dvhs[(item.organ, label)] = plan.dvh(roi)
            values[label] = plan.measure(roi, parsed(item.constraint).metric)[0]
        rows.append(summary_row(item.organ, item.constraint, item.source, values["3D"], values["IMRT"]))
    return Comparison(rows, rois, dvhs, list(constraints))


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


def to_csv(rows: Sequence[SummaryRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(table_cells(rows))
    return out.getvalue()


def to_markdown(rows: Sequence[SummaryRow]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    lines = [f"## {TITLE}", "", line(COLUMNS), line(["---"] * len(COLUMNS))]
    lines += [line(cells) for cells in table_cells(rows)]
    return "\n".join(lines) + "\n"


def to_html(rows: Sequence[SummaryRow]) -> str:
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
        f"<tbody>\n{body}\n</tbody>\n</table>\n</body></html>\n"
    )


# --- the colour DVH comparison ---------------------------------------------------------


def _constraint_point(constraint: Constraint, volume_cc: float) -> tuple[float, float, str] | None:
    """Where a constraint sits on a cumulative DVH in (Gy, %): the limit's dose and volume."""
    limited = metric(constraint.metric)
    if limited.kind in FIXED_POINTS:
        return (constraint.limit, *FIXED_POINTS[limited.kind])
    if limited.kind in (Kind.VOLUME_PERCENT, Kind.VOLUME_CC):
        volume = constraint.limit if unit_of(constraint) == "%" else 100.0 * constraint.limit / volume_cc
        return limited.amount, volume, "X"
    if limited.kind in (Kind.DOSE_TO_PERCENT, Kind.DOSE_TO_CC):
        volume = limited.amount if limited.kind is Kind.DOSE_TO_PERCENT else 100.0 * limited.amount / volume_cc
        return constraint.limit, volume, "X"
    return None


def dvh_figure(comparison: Comparison):
    """The colour DVH comparison: one colour per structure, 3D solid, IMRT dashed, constraints marked.

    Returns a matplotlib ``Figure`` (Agg canvas, no pyplot state); its axes hold exactly one
    line per structure and plan, the constraint points are scatter markers.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    figure = Figure(figsize=(11, 7), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    organs = list(dict.fromkeys(item.organ for item in comparison.constraints))
    colours = _colours(len(organs))
    top = 0.0
    for organ, colour in zip(organs, colours):
        roi = comparison.rois[organ]
        for label, style in zip(PLAN_LABELS, ("-", "--")):
            dvh = comparison.dvhs[(organ, label)]
            axes.plot(dvh.dose_edges, dvh.cumulative_percent, linestyle=style, color=colour, linewidth=2,
                      label=f"{roi} ({label})")  # fmt: skip
            top = max(top, float(dvh.dose_edges[-1]) if dvh.dose_edges.size else 0.0)
    for k, item in enumerate(comparison.constraints):
        colour = colours[organs.index(item.organ)]
        rule = parsed(item.constraint)
        point = _constraint_point(rule, comparison.dvhs[(item.organ, "3D")].volume_cc)
        if point is None:
            continue
        dose, volume, marker = point
        top = max(top, dose)
        axes.scatter([dose], [volume], marker=marker, s=110, color=colour, edgecolors="black", linewidths=1, zorder=5)
        axes.annotate(f"{item.organ}: {item.constraint}", (dose, volume), textcoords="offset points", xytext=(6, 6 + 14 * (k % 3)),
                      fontsize=8, color=colour, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})  # fmt: skip
    axes.set_xlim(0, top * 1.05 or 1.0)
    axes.set_ylim(0, 105)
    axes.set_xlabel("Dose (Gy)")
    axes.set_ylabel("Volume (%)")
    axes.set_title("Comparative DVH: 3D (solid) vs IMRT (dashed)")
    axes.grid(True, alpha=0.3)
    handles, _ = axes.get_legend_handles_labels()
    handles += [
        Line2D([], [], color="black", linestyle="-", label="3D plan"),
        Line2D([], [], color="black", linestyle="--", label="IMRT plan"),
        Line2D([], [], color="grey", marker="X", linestyle="", markeredgecolor="black", markersize=9, label="constraint (dose, volume)"),
        Line2D([], [], color="grey", marker="D", linestyle="", markeredgecolor="black", markersize=7, label="mean-dose constraint"),
    ]  # fmt: skip
    axes.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.9)
    figure.tight_layout()
    return figure


def _colours(n: int) -> list:
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    return [colormaps["tab20"](i % 20) for i in range(n)]


def write_outputs(comparison: Comparison, out: str | os.PathLike) -> list[Path]:
    """Write the table (CSV, Markdown, HTML) and the DVH comparison PNG into ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in FILES]
    paths[0].write_text(to_csv(comparison.rows), encoding="utf-8")
    paths[1].write_text(to_markdown(comparison.rows), encoding="utf-8")
    paths[2].write_text(to_html(comparison.rows), encoding="utf-8")
    dvh_figure(comparison).savefig(paths[3])
    return paths


# --- command line ----------------------------------------------------------------------


def _plan_argument(text: str) -> tuple[str, str]:
    label, equals, path = text.partition("=")
    canonical = {"3D": "3D", "3DCRT": "3D", "3D-CRT": "3D", "IMRT": "IMRT"}.get(label.strip().upper())
    if not equals or not path or canonical is None:
        raise InputError(f"expected 3D=RTDOSE or IMRT=RTDOSE, got {text!r}", location="--plan")
    return canonical, path


def cmd_compare_plans(args: argparse.Namespace) -> int:
    plans = dict(_plan_argument(text) for text in args.plan)
    if sorted(plans) != sorted(PLAN_LABELS) or len(args.plan) != 2:
        raise InputError("expected exactly two plans, --plan 3D=RTDOSE and --plan IMRT=RTDOSE", location="--plan")
    from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct

    constraints = [RequestedConstraint.parse(text) for text in args.constraint]
    structures = read_rtstruct(args.structures)
    doses = {label: PlanDose(label, read_rtdose(path), structures) for label, path in plans.items()}
    comparison = compare_plans(doses, constraints)
    paths = write_outputs(comparison, args.out)
    print(to_markdown(comparison.rows))
    print("\n".join(f"wrote {path}" for path in paths))
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``compare-plans`` to the ``coverage-sdk`` subcommands."""
    p = subparsers.add_parser(
        "compare-plans", help="3D vs IMRT summary table (CSV, Markdown, HTML) and colour DVH comparison (PNG)"
    )
    p.add_argument("--plan", action="append", required=True, metavar="LABEL=RTDOSE", help="3D=RTDOSE and IMRT=RTDOSE")
    p.add_argument("--structures", required=True, metavar="RTSTRUCT", help="the RT Structure Set of both plans")
    p.add_argument("--constraint", action="append", required=True, metavar="'ORGAN: METRIC OP N UNIT (SOURCE)'",
                   help="e.g. 'Brainstem: Dmax < 54 Gy (QUANTEC)' (repeatable)")  # fmt: skip
    p.add_argument("--out", required=True, metavar="DIR", help="folder for " + ", ".join(FILES))
    p.set_defaults(func=cmd_compare_plans)
    return p
