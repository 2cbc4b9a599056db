"""``coverage-sdk circumference``: the bone-circumference report of one ROI (shared/spec/bone-circumference.md).

    coverage-sdk circumference --dose RTDOSE --structures RTSTRUCT --roi NAME
                               [--threshold 40] [--depth 2] [--format text|json]

Bad input (a file that is not the expected DICOM, an unknown ROI, a threshold or depth out of
range) is an :class:`~coverage_sdk.errors.InputError`: exit status 2, no traceback.
"""

from __future__ import annotations

import argparse

from coverage_sdk.errors import InputError


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``circumference`` command on the CLI's subparsers."""
    p = subparsers.add_parser("circumference", help="percent of a bone's cortex circumference receiving a dose")
    p.add_argument("--dose", required=True, metavar="RTDOSE", help="RT Dose file")
    p.add_argument("--structures", required=True, metavar="RTSTRUCT", help="RT Structure Set file")
    p.add_argument("--roi", required=True, metavar="NAME", help="the bone's ROI name (outer bone surface)")
    p.add_argument("--threshold", type=float, default=40.0, metavar="GY", help="dose threshold in Gy (default 40)")
    p.add_argument("--depth", type=float, default=2.0, metavar="MM", help="sampling depth under the surface in mm (default 2)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_circumference)
    return p


def cmd_circumference(args: argparse.Namespace) -> int:
    from coverage_sdk.dose.circumference import bone_circumference, format_report
    from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct

    dose = read_rtdose(args.dose)
    structures = read_rtstruct(args.structures)
    if args.roi not in structures:
        names = ", ".join(sorted(structures)) or "none"
        raise InputError(
            f"no ROI named {args.roi!r} with a volume; the ROIs are: {names}",
            source=args.structures, location="(3006,0026) ROIName",
        )  # fmt: skip
    report = bone_circumference(dose, structures[args.roi], threshold_gy=args.threshold, depth_mm=args.depth)
    print(format_report(report, args.format))
    return 0
