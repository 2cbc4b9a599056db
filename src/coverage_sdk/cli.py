"""The ``coverage-sdk`` command (shared/spec/interchange.md, Command line).

Exit status: 0 done; 2 bad input (the message names the file and JSON path or DICOM tag);
3 a plugin failed (the other policies' results are still printed); 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import circumference_cli, plancompare, render, scaffold
from ._kernels import extension_status
from .converter import load_case
from .engine import evaluate, sdk_version
from .errors import InputError
from .plugins import PluginHost

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_PLUGIN_FAILED = 0, 1, 2, 3
DOSE_COMMANDS = ("dvh", "circumference", "compare-plans")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors are bad input: exit 2, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _version_text(host: PluginHost) -> str:
    lines = [f"coverage-sdk {sdk_version()}", f"extension: {extension_status()}"]
    for item in host.policies():
        lines.append(f"plugin: {item.distribution} {item.version} ({item.policy.id})")
    lines += [f"plugin: {b.distribution} {b.version} (failed to load: {b.error})" for b in host.broken]
    return "\n".join(lines)


def cmd_policies(args: argparse.Namespace) -> int:
    host = PluginHost.create()
    installed = host.policies()
    if args.json:
        rows = [
            {
                "policy_id": item.policy.id,
                "title": item.policy.title,
                "payer": getattr(item.policy, "payer", None),
                "distribution": item.distribution,
                "version": item.version,
                "plugin": item.plugin,
                "versions": [
                    {"effective_from": v.effective_from.isoformat(),
                     "effective_to": v.effective_to.isoformat() if v.effective_to else None}
                    for v in item.policy.versions
                ],
            }  # fmt: skip
            for item in installed
        ]
        broken = [{"plugin": b.name, "distribution": b.distribution, "version": b.version, "error": b.error} for b in host.broken]
        print(json.dumps({"policies": rows, "broken_plugins": broken}, indent=2))
    else:
        if not installed:
            print("No policy plugins installed.")
        for item in installed:
            versions = ", ".join(v.effective_from.isoformat() for v in item.policy.versions)
            print(f"{item.policy.id}  {item.policy.title}")
            print(f"    {item.distribution} {item.version}; versions from: {versions}")
        for b in host.broken:
            print(f"{b.name}  FAILED TO LOAD ({b.distribution} {b.version}): {b.error}")
    return EXIT_PLUGIN_FAILED if host.broken else EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    host = PluginHost.create()
    status = EXIT_OK
    determinations = []
    for path in args.cases:
        try:
            case = load_case(path)
            dets = evaluate(case, args.policy or None, host=host)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = max(status, EXIT_BAD_INPUT)
            continue
        for det in dets:
            if det.error:
                code = EXIT_BAD_INPUT if det.error.startswith("InputError") else EXIT_PLUGIN_FAILED
                status = max(status, code)
                print(f"error: {path}: policy {det.policy_id}: {det.error}", file=sys.stderr)
        determinations += dets
    if args.format == "json":
        print(render.to_json(determinations))
    elif determinations:
        print(render.determinations_text(determinations))
    elif status == EXIT_OK:
        print("No installed policy applies to the procedures of this case.")
    return status


def cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.cases:
        try:
            load_case(path)
            print(f"{path}: valid")
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = EXIT_BAD_INPUT
    return status


DVH_COLUMNS = ("volume_cc", "min", "max", "mean", "D99", "D95", "D50", "D5", "D1", "D2cc", "D0.03cc")


def cmd_dvh(args: argparse.Namespace) -> int:
    import math

    from .dicom import read_rtdose, read_rtstruct
    from .dvh import compute_dvh

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
    table = [[r["roi"], *("-" if r.get(c) is None else f"{r[c]:.2f}" for c in columns[1:])] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(columns, *table)]
    print("  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(columns, widths))))
    for line in table:
        print("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(line, widths))))
    print("Doses in Gy, volumes in cc; V metrics in % of the ROI volume.")
    for r in rows:
        if "volume_outside_grid_cc" in r:
            print(f"Note: {r['volume_outside_grid_cc']:.2f} cc of {r['roi']} lies outside the dose grid and is left out.")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="coverage-sdk", description="Coverage determinations for radiation-oncology medical policies.")
    parser.add_argument("--version", action="store_true", help="SDK version, compiled or pure-python core, plugins")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("policies", help="list installed policy plugins")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_policies)

    p = sub.add_parser("evaluate", help="decide one or more cases")
    p.add_argument("cases", nargs="+", metavar="CASE.json")
    p.add_argument("--policy", action="append", metavar="ID", help="evaluate this policy (repeatable)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("validate", help="check cases against the Case schema")
    p.add_argument("cases", nargs="+", metavar="CASE.json")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("dvh", help="dose-volume histograms of RT structures")
    p.add_argument("--dose", required=True, metavar="RTDOSE")
    p.add_argument("--structures", required=True, metavar="RTSTRUCT")
    p.add_argument("--roi", action="append", metavar="NAME", help="ROI name (repeatable; default: every non-empty ROI)")
    p.add_argument("--metric", action="append", metavar="METRIC", help="extra statistic, e.g. V40Gy, V20Gy_cc, D2cc")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_dvh)

    circumference_cli.add_parser(sub)
    plancompare.add_parser(sub)
    scaffold.add_parser(sub)
    PluginHost.create().pm.hook.coverage_sdk_add_commands(subparsers=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.version:
            print(_version_text(PluginHost.create()))
            return EXIT_OK
        if not args.command:
            parser.print_help()
            return EXIT_BAD_INPUT
        return args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as exc:
        if args.command not in DOSE_COMMANDS:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
