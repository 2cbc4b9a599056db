"""The colour 3D-vs-IMRT DVH comparison a physicist expects.

Each ROI is drawn in its RT Structure Set display colour, the target always (PTV, else CTV,
else GTV), 3D-CRT plans dashed and IMRT plans (VMAT, arcs) solid; a limit on a maximum or
minimum dose is a vertical line, a mean-dose limit a labelled vertical line, a volume limit a
point; the legend sits outside the data; the plans, files, date and SDK version are printed
on the figure. matplotlib is needed (the ``plots`` extra): :func:`require_matplotlib` says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from coverage_sdk.dose.metrics import Kind, metric
from coverage_sdk.errors import InputError

if TYPE_CHECKING:
    from coverage_sdk.dose.plan_values import PlanDose

TARGET_TYPES = ("PTV", "CTV", "GTV")
TARGET_NAME = re.compile(r"\b(PTV|CTV|GTV|ITV)|tumou?r", re.IGNORECASE)
FALLBACK_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
THREE_D = re.compile(r"^3\s*-?\s*D|3DCRT|3D-CRT|CONFORMAL", re.IGNORECASE)
IMRT = re.compile(r"IMRT|VMAT|ARC|TOMO|RAPIDARC|INTENSITY", re.IGNORECASE)


class MissingExtra(InputError):
    """An optional library a feature needs is not installed; the message names the extra."""


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingExtra(
            "this needs matplotlib, which is not installed: pip install 'coverage-sdk[plots]'"
        ) from None


def technique_of(label: str) -> str | None:
    """``3dcrt`` for 3D, 3DCRT, 3D-CRT ...; ``imrt`` for IMRT, VMAT, arc labels; None otherwise."""
    if THREE_D.search(label.strip()):
        return "3dcrt"
    if IMRT.search(label):
        return "imrt"
    return None


@attrs.frozen
class Limit:
    """One organ-at-risk limit to mark: the ROI, the constraint text and its source."""

    roi: str
    constraint: str
    source: str | None = None


@attrs.frozen
class PlottedPlan:
    """A plan on the figure: its label, ``3dcrt`` or ``imrt``, its dose and the files it came from."""

    label: str
    technique: str
    dose: PlanDose
    files: tuple[str, ...] = ()


def target_roi(structures: Mapping[str, Any]) -> str | None:
    """The target: a PTV, else a CTV, else a GTV by interpreted type, preferring one named as a
    target (PTV, CTV, GTV, tumour); else the first ROI so named."""
    rank = {kind: k for k, kind in enumerate(TARGET_TYPES)}
    filled = {n: s for n, s in structures.items() if not s.is_empty}
    typed = [n for n, s in filled.items() if (getattr(s, "interpreted_type", None) or "").upper() in rank]
    typed.sort(key=lambda n: (rank[filled[n].interpreted_type.upper()], not TARGET_NAME.search(n)))
    if typed:
        return typed[0]
    named = [n for n in filled if TARGET_NAME.search(n)]
    return named[0] if named else None


def roi_colour(structure: Any, index: int) -> tuple[float, float, float] | str:
    """The ROI's display colour as matplotlib RGB, or a fixed palette colour when it has none."""
    rgb = getattr(structure, "colour", None)
    if rgb is None:
        return FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)]
    return (rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0)


def provenance(plans: Sequence[PlottedPlan], when: dt.date | None = None) -> str:
    """``3D: rtdose-3d.dcm; IMRT: rtdose-imrt.dcm; structures: rtss.dcm; 2026-11-30; coverage-sdk 0.1.0``."""
    from coverage_sdk.host.evaluate import sdk_version

    parts = [f"{p.label}: {Path(p.files[0]).name}" if p.files else p.label for p in plans]
    structure_files = dict.fromkeys(Path(f).name for p in plans for f in p.files[1:])
    if structure_files:
        parts.append("structures: " + ", ".join(structure_files))
    parts += [(when or dt.date.today()).isoformat(), f"coverage-sdk {sdk_version()}"]
    return "; ".join(parts)


def dvh_figure(plans: Sequence[PlottedPlan], rois: Sequence[str], limits: Sequence[Limit] = (), title: str | None = None):
    """The comparison as a matplotlib ``Figure`` (Agg canvas, no pyplot state).

    ``rois`` are drawn with the target added first when the structure set has one; the axes
    hold exactly one line per ROI and plan (the limit lines are on their own artists).
    """
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib import patheffects

    from coverage_sdk.dose.constraints import parse_constraint

    structures = plans[0].dose.structures
    target = target_roi(structures)
    shown = list(dict.fromkeys([*([target] if target else []), *rois]))
    figure = Figure(figsize=(12, 6.5), dpi=100)
    figure.set_layout_engine("constrained", rect=(0, 0.035, 1, 0.965))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    colours = {roi: roi_colour(structures.get(roi), k) for k, roi in enumerate(shown)}
    outline = [patheffects.withStroke(linewidth=3.2, foreground="#555555"), patheffects.Normal()]
    top = 1.0
    handles = []
    for roi in shown:
        for plan in plans:
            dvh = plan.dose.dvh(roi)
            style = "--" if plan.technique == "3dcrt" else "-"
            colour = colours[roi]
            light = sum(colour) > 2.6 if isinstance(colour, tuple) else False
            (line,) = axes.plot(
                dvh.dose_edges, dvh.cumulative_percent, linestyle=style, color=colours[roi], linewidth=2,
                label=f"{roi}{' (target)' if roi == target else ''}, {plan.label}",
                path_effects=outline if light else None,
            )  # fmt: skip
            handles.append(line)
            if dvh.dose_edges.size:
                top = max(top, float(dvh.dose_edges[-1]))
    marks = []
    for k, limit in enumerate(limits):
        rule = parse_constraint(limit.constraint)
        colour = colours.get(limit.roi, "black")
        kind = metric(rule.metric).kind
        text = f"{limit.roi}: {limit.constraint}" + (f" ({limit.source})" if limit.source else "")
        if kind in (Kind.DMAX, Kind.DMIN, Kind.DMEAN):
            top = max(top, rule.limit)
            mean = kind is Kind.DMEAN
            axes.axvline(rule.limit, color=colour, linestyle=":" if not mean else "-.", linewidth=1.6, zorder=4)
            axes.annotate(text, (rule.limit, 100 - 7 * (k % 8)), textcoords="offset points", xytext=(4, -2),
                          fontsize=8, color="black", va="top",
                          bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": colour, "alpha": 0.85})  # fmt: skip
            marks.append("mean" if mean else "max")
            continue
        point = _volume_point(rule, plans[0].dose.dvh(limit.roi).volume_cc if limit.roi in structures else 0.0)
        if point is None:
            continue
        dose, volume = point
        top = max(top, dose)
        axes.scatter([dose], [volume], marker="X", s=110, color=colour, edgecolors="black", linewidths=1, zorder=5)
        axes.annotate(text, (dose, volume), textcoords="offset points", xytext=(6, 6), fontsize=8,
                      bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})  # fmt: skip
        marks.append("volume")
    axes.set_xlim(0, top * 1.08)
    axes.set_ylim(0, 105)
    axes.set_xlabel("Dose (Gy)")
    axes.set_ylabel("Volume (%)")
    axes.grid(True, alpha=0.3)
    labels = " vs ".join(f"{p.label} ({'dashed' if p.technique == '3dcrt' else 'solid'})" for p in plans)
    axes.set_title(title or f"Comparative DVH: {labels}")
    keys = [
        Line2D([], [], color="black", linestyle="--", label="3D-CRT plan"),
        Line2D([], [], color="black", linestyle="-", label="IMRT / VMAT plan"),
    ]
    if "max" in marks:
        keys.append(Line2D([], [], color="grey", linestyle=":", label="max / min dose limit"))
    if "mean" in marks:
        keys.append(Line2D([], [], color="grey", linestyle="-.", label="mean dose limit"))
    if "volume" in marks:
        keys.append(Line2D([], [], color="grey", marker="X", linestyle="", markeredgecolor="black", label="dose-volume limit"))
    figure.legend(handles=handles + keys, loc="outside right upper", fontsize=8, framealpha=0.95)
    figure.text(0.005, 0.005, provenance(plans), fontsize=7, color="#333333", ha="left", va="bottom")
    return figure


def _volume_point(rule: Any, volume_cc: float) -> tuple[float, float] | None:
    """A dose-volume limit as (Gy, %): ``V20Gy < 30 %`` at (20, 30), ``D2cc < 50 Gy`` at (50, 2 cc in %)."""
    limited = metric(rule.metric)
    amount = limited.amount
    if amount is None:
        return None
    if limited.kind is Kind.VOLUME_PERCENT or limited.kind is Kind.VOLUME_CC:
        volume = rule.limit if rule.unit.strip() == "%" else (100.0 * rule.limit / volume_cc if volume_cc > 0 else None)
        return None if volume is None else (amount, volume)
    if limited.kind is Kind.DOSE_TO_PERCENT:
        return rule.limit, amount
    if limited.kind is Kind.DOSE_TO_CC:
        return (rule.limit, 100.0 * amount / volume_cc) if volume_cc > 0 else None
    return None


def png_bytes(figure) -> bytes:
    import io

    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
