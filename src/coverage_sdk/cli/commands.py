"""The policy engine's commands: ``policies``, ``evaluate`` and ``validate`` (a built-in plugin)."""

from __future__ import annotations

import argparse
import json
import sys

from coverage_sdk.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_PLUGIN_FAILED
from coverage_sdk.errors import InputError
from coverage_sdk.hookspecs import Adapter, hookimpl
from coverage_sdk.host.evaluate import evaluate
from coverage_sdk.policy.converter import load_case, read_input
from coverage_sdk.policy.model import Case, Determination
from coverage_sdk.render import text as render


def cmd_policies(args: argparse.Namespace) -> int:
    host = args.host
    installed = host.policies()
    if args.json:
        rows = [
            {
                "policy_id": item.policy.id,
                "title": item.policy.title,
                "payer": getattr(item.policy, "payer", None),
                "payer_id": getattr(item.policy, "payer_id", None),
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
            print(f"    payer id: {getattr(item.policy, 'payer_id', None) or 'none (applies whatever the payer)'}")
            print(f"    {item.distribution} {item.version}; versions from: {versions}")
        for b in host.broken:
            print(f"{b.name}  FAILED TO LOAD ({b.distribution} {b.version}): {b.error}")
    return EXIT_PLUGIN_FAILED if host.broken else EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.adapter:
        return _evaluate_adapted(args, args.host.adapter(args.adapter))
    status = EXIT_OK
    determinations = []
    decided = []
    for path in args.cases:
        try:
            case = load_case(path, base_dir=args.base_dir)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = max(status, EXIT_BAD_INPUT)
            continue
        dets, code = _decide(args, path, case)
        status = max(status, code)
        determinations += dets
        decided.append((case, dets))
    if args.format == "json":
        print(render.to_json(determinations))
    elif determinations:
        print(render.determinations_text(decided, trail=args.trail))
    elif status == EXIT_OK:
        print("No installed policy applies to the procedures of this case.")
    return status


def _decide(args: argparse.Namespace, path: str, case: Case) -> tuple[list[Determination], int]:
    """The case's determinations, each failure reported on stderr, and the exit status they call for."""
    status = EXIT_OK
    try:
        dets = evaluate(case, args.policy or None, host=args.host, base_dir=getattr(args, "base_dir", None))
    except InputError as exc:
        print(f"error: {path}: {exc}", file=sys.stderr)
        return [], EXIT_BAD_INPUT
    for det in dets:
        if det.error:
            status = max(status, EXIT_BAD_INPUT if det.error.startswith("InputError") else EXIT_PLUGIN_FAILED)
            print(f"error: {path}: policy {det.policy_id}: {det.error}", file=sys.stderr)
    return dets, status


def _evaluate_adapted(args: argparse.Namespace, adapter: Adapter) -> int:
    """Each input read by the adapter, its cases decided, and the adapter's answer written to stdout."""
    status = EXIT_OK
    for path in args.cases:
        try:
            request = adapter.read(read_input(path), source=path)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = max(status, EXIT_BAD_INPUT)
            continue
        answers = []
        for case in request.cases:
            dets, code = _decide(args, path, case)
            status = max(status, code)
            answers.append(dets)
        sys.stdout.buffer.write(adapter.write(request, answers) + b"\n")
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


@hookimpl
def coverage_sdk_add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("policies", help="list installed policy plugins")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_policies)

    p = subparsers.add_parser("evaluate", help="decide one or more cases")
    p.add_argument("cases", nargs="+", metavar="CASE.json")
    p.add_argument("--policy", action="append", metavar="ID", help="evaluate this policy (repeatable)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--trail", choices=("decisive", "full"), default="decisive",
                   help="text: the deciding criteria with other sites and products folded (default), or every branch")  # fmt: skip
    p.add_argument("--adapter", metavar="NAME", help="read each input and write the answer with this adapter (e.g. fhir-pas)")
    p.add_argument("--base-dir", metavar="DIR", help="folder the cases' DICOM paths resolve in (default: each case file's folder)")
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser("validate", help="check cases against the Case schema")
    p.add_argument("cases", nargs="+", metavar="CASE.json")
    p.set_defaults(func=cmd_validate)
