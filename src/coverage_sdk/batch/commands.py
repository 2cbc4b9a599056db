"""The ``batch``, ``synth``, ``impact`` and ``metrics`` commands, added through the
``coverage_sdk_add_commands`` hook. Exit status: 0 done, 2 bad input, 3 a plugin failed."""

from __future__ import annotations

import argparse
import importlib.util
import json

import coverage_sdk as cs

from .chunks import CHUNK_SIZE
from .engines import ENGINES

EXIT_OK, EXIT_BAD_INPUT, EXIT_PLUGIN_FAILED = 0, 2, 3


def cmd_batch(args: argparse.Namespace) -> int:
    from .run import run_batch, summary_text

    summary = run_batch(
        args.inputs, args.out, engine=args.engine, workers=args.workers, scheduler=args.scheduler,
        policies=args.policy, summary_only=args.summary_only, chunk_size=args.chunk_size,
    )  # fmt: skip
    print(summary_text(summary))
    if summary.errors:
        print(f"{summary.errors} bad cases: see {args.out}/errors.jsonl")
    if summary.plugin_failures:
        return EXIT_PLUGIN_FAILED
    return EXIT_BAD_INPUT if summary.errors else EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    import sys

    from .synth import synth_cases, write_cases

    cases = synth_cases(args.n, args.seed)
    if args.out is None:
        for case in cases:
            print(json.dumps(case, sort_keys=True, separators=(",", ":")))
        return EXIT_OK
    count = write_cases(cases, args.out)
    print(f"wrote {count} synthetic cases to {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_impact(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .impact import impact_csv, impact_html, impact_text, policy_impact

    if args.html and importlib.util.find_spec("matplotlib") is None:
        raise cs.InputError("the HTML page's chart needs matplotlib: pip install 'coverage-sdk[plots]'", location="--html")
    report = policy_impact(args.inputs, args.policy, *args.versions, engine=args.engine, workers=args.workers, scheduler=args.scheduler)
    print(impact_text(report, list_cases=None if args.all_cases else 50))
    if args.csv:
        Path(args.csv).write_text(impact_csv(report), encoding="utf-8")
    if args.html:
        Path(args.html).write_text(impact_html(report), encoding="utf-8")
    if report.plugin_failures:
        return EXIT_PLUGIN_FAILED
    return EXIT_BAD_INPUT if report.errors else EXIT_OK


def cmd_metrics(args: argparse.Namespace) -> int:
    from .metrics import Choices, compute_metrics, metrics_text
    from .records import read_records

    try:
        choices = Choices(
            denominator=args.denominator.split(","), partial=args.partial, appeal_base=args.appeal_base,
            day_count=args.day_count, timezone=args.timezone,
        )  # fmt: skip
    except ValueError as exc:
        raise cs.InputError(str(exc), location="choices") from None
    figures = compute_metrics(read_records(args.records), choices)
    if args.format == "json":
        print(json.dumps({"choices": cs.unstructure(choices), "figures": cs.unstructure(figures)}, indent=2, sort_keys=True))
    else:
        print(metrics_text(figures, choices))
    return EXIT_OK


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


@cs.hookimpl
def coverage_sdk_add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("batch", help="decide many cases on a process pool or a Dask cluster")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="case JSON files, folders of them, JSON Lines (.jsonl, .jsonl.gz)")
    p.add_argument("--out", required=True, metavar="OUT", help="folder of per-chunk determinations (JSON Lines), errors, summary")
    p.add_argument("--engine", choices=ENGINES, default="local", help="local: a process pool (default); dask: dask.distributed")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler (default: a LocalCluster)")
    p.add_argument("--workers", type=_positive, metavar="N", help="worker processes (default: CPU count)")
    p.add_argument("--policy", action="append", metavar="ID", help="decide this policy only (repeatable)")
    p.add_argument("--summary-only", action="store_true", help="write counts only, not the determinations")
    p.add_argument("--chunk-size", type=_positive, default=CHUNK_SIZE, metavar="N", help=f"cases per task (default {CHUNK_SIZE})")
    p.set_defaults(func=cmd_batch)

    p = subparsers.add_parser("synth", help="synthetic metric-only cases for the in-repo policies (JSON Lines)")
    p.add_argument("n", type=_positive, metavar="N", help="how many cases")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="the same seed gives the same cases (default 0)")
    p.add_argument("--out", metavar="FILE.jsonl[.gz]", help="write here (default: standard output)")
    p.set_defaults(func=cmd_synth)

    p = subparsers.add_parser("impact", help="what moves when a policy changes: decide each case under two versions")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="case JSON files, folders of them, JSON Lines (.jsonl, .jsonl.gz)")
    p.add_argument("--policy", required=True, metavar="ID")
    p.add_argument("--versions", nargs=2, required=True, metavar=("OLD", "NEW"), help="effective dates, or unique prefixes (2016 2019)")
    p.add_argument("--engine", choices=ENGINES, default="local", help="local: a process pool (default); dask: dask.distributed")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler (default: a LocalCluster)")
    p.add_argument("--workers", type=_positive, metavar="N", help="worker processes (default: CPU count)")
    p.add_argument("--csv", metavar="FILE", help="one row per case")
    p.add_argument("--html", metavar="FILE", help="a page with the chart, the moves and the moved cases")
    p.add_argument("--all-cases", action="store_true", help="list every moved case in the terminal (default: the first 50)")
    p.set_defaults(func=cmd_impact)

    p = subparsers.add_parser("metrics", help="CMS-0057-F prior-authorization figures from decision records")
    p.add_argument("records", nargs="+", metavar="RECORDS", help="DecisionRecord JSON Lines (.jsonl, .jsonl.gz), JSON files, folders")
    p.add_argument("--denominator", default="approved,modified,denied", metavar="STATUS,...",
                   help="final statuses of the requests counted (default: approved,modified,denied)")
    p.add_argument("--partial", choices=("approved", "denied", "neither"), default="approved",
                   help="a partial approval (modified) counts as (default: approved)")
    p.add_argument("--appeal-base", choices=("requests", "denied"), default="requests",
                   help="approved after appeal as a percent of standard requests (default) or of denied ones")
    p.add_argument("--day-count", choices=("calendar", "elapsed"), default="calendar",
                   help="within 7 days by calendar dates (default) or 168 elapsed hours")
    p.add_argument("--timezone", default="UTC", metavar="ZONE", help="IANA time zone for calendar dates and times without offset (default UTC)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_metrics)
