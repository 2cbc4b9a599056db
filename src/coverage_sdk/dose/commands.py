"""The dose engine's command ``dvh`` (a built-in plugin); pydicom is imported only when it runs."""

from __future__ import annotations

import argparse
import json
import math

from coverage_sdk.errors import InputError
from coverage_sdk.hookspecs import hookimpl

EXIT_OK = 0


DVH_COLUMNS = ("volume_cc", "min", "max", "mean", "D99", "D95", "D50", "D5", "D1", "D2cc", "D0.03cc")


def cmd_dvh(args: argparse.Namespace) -> int:
    from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct
    from coverage_sdk.dose.dvh import compute_dvh

    dose = read_rtdose(args.dose)
    structures = read_rtstruct(args.structures)
    names = args.roi or [name for name in structures if not structures[name].is_empty]
    unknown = [name for name in names if name not in structures]
    if unknown:
        raise InputError(f"no ROI named {', '.join(map(repr, unknown))} (ROIs: {', '.join(structures)})", source=args.structures, location="(3006,0026) ROIName")
    rows = []
    for name in names:
        dvh = compute_dvh(dose, structures[name])
        row = {"roi": name, "volume_cc": dvh.volume_cc, "min": dvh.min, "max": dvh.max, "mean": dvh.mean}
        row.update({key: dvh.statistic(key) for key in (*DVH_COLUMNS[4:], *(args.metric or ()))})
        if dvh.volume_outside_cc > 0:
            row["volume_outside_grid_cc"] = dvh.volume_outside_cc
        rows.append({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()})
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    columns = ["roi", *DVH_COLUMNS, *(args.metric or ())]
    table = [[str(r["roi"]), *("-" if r.get(c) is None else f"{r[c]:.2f}" for c in columns[1:])] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(columns, *table)]
    print("  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(columns, widths))))
    for line in table:
        print("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(line, widths))))
    print("Doses in Gy, volumes in cc; V metrics in % of the ROI volume.")
    for r in rows:
        if "volume_outside_grid_cc" in r:
            print(f"Note: {r['volume_outside_grid_cc']:.2f} cc of {r['roi']} lies outside the dose grid and is left out.")
    return EXIT_OK


@hookimpl
def coverage_sdk_add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("dvh", help="dose-volume histograms of RT structures")
    p.add_argument("--dose", required=True, metavar="RTDOSE")
    p.add_argument("--structures", required=True, metavar="RTSTRUCT")
    p.add_argument("--roi", action="append", metavar="NAME", help="ROI name (repeatable; default: every non-empty ROI)")
    p.add_argument("--metric", action="append", metavar="METRIC", help="extra statistic, e.g. V40Gy, V20Gy_cc, D2cc")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_dvh)
