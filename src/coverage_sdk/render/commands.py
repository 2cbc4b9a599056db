"""``coverage-sdk report CASE.json... --out DIR``: one self-contained HTML page per case (a built-in plugin)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from coverage_sdk.errors import InputError
from coverage_sdk.hookspecs import hookimpl
from coverage_sdk.host.evaluate import evaluate
from coverage_sdk.policy.converter import load_case
from coverage_sdk.policy.model import Case, PlanTechnique
from coverage_sdk.render.html import case_html


def plan_figure(case: Case) -> tuple[bytes, str] | None:
    """The DVH comparison PNG of the case's plans given as DICOM, and its provenance; None
    when fewer than two plans come as DICOM."""
    radiation = case.radiation
    plans = [(p, p.dicom) for p in (radiation.plans if radiation else []) if p.dicom is not None]
    if radiation is None or len(plans) < 2:
        return None
    from coverage_sdk.dose.plan_values import PlanDose, find_roi
    from coverage_sdk.render.dvh_plot import Limit, PlottedPlan, dvh_figure, png_bytes, provenance, require_matplotlib

    require_matplotlib()
    base = Path(case.base_dir or ".")
    plotted = []
    for plan, dicom in plans:
        rtdose, rtstruct = base / dicom.rtdose, base / dicom.rtstruct
        technique = "3dcrt" if plan.technique is PlanTechnique.THREE_D_CRT else "imrt"
        plotted.append(PlottedPlan(plan.label, technique, PlanDose.read(plan.label, rtdose, rtstruct), (str(rtdose), str(rtstruct))))
    names = list(plotted[0].dose.structures)
    structures = radiation.structures
    wanted = [r for r in (structures.bone, structures.joint) if r] if structures else []
    limits = []
    for item in radiation.oar_constraints:
        roi = find_roi(names, item.organ)
        if roi is not None:
            wanted.append(roi)
            limits.append(Limit(roi, item.constraint, item.source))
    rois = [r for r in dict.fromkeys(wanted) if r in names]
    figure = dvh_figure(plotted, rois, limits)
    return png_bytes(figure), provenance(plotted)


def report_name(case_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", case_id).strip("._") or "case"


def cmd_report(args: argparse.Namespace) -> int:
    from coverage_sdk.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PLUGIN_FAILED

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    status = EXIT_OK
    for path in args.cases:
        try:
            case = load_case(path)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = max(status, EXIT_BAD_INPUT)
            continue
        dets = evaluate(case, args.policy or None, host=args.host)
        for det in dets:
            if det.error:
                status = max(status, EXIT_BAD_INPUT if det.error.startswith("InputError") else EXIT_PLUGIN_FAILED)
                print(f"error: {path}: policy {det.policy_id}: {det.error}", file=sys.stderr)
        figure = plan_figure(case)
        page = case_html(case, dets, source=path, plot_png=figure[0] if figure else None,
                         plot_note=figure[1] if figure else None, trail=args.trail)  # fmt: skip
        target = out / f"{report_name(case.case_id)}.html"
        target.write_text(page, encoding="utf-8")
        print(f"wrote {target}")
    return status


@hookimpl
def coverage_sdk_add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("report", help="one self-contained HTML page per case for the reviewer's file")
    p.add_argument("cases", nargs="+", metavar="CASE.json")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for CASE_ID.html")
    p.add_argument("--policy", action="append", metavar="ID", help="decide this policy only (repeatable)")
    p.add_argument("--trail", choices=("decisive", "full"), default="decisive", help="criteria shown open: deciding or all")
    p.set_defaults(func=cmd_report)
