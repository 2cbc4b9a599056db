"""The ``coverage-sdk`` command (shared/spec/interchange.md, Command line).

Every subcommand comes from a plugin through the ``coverage_sdk_add_commands`` hook: the
policy commands from :mod:`coverage_sdk.cli.commands`, ``dvh`` from the dose engine,
``new-plugin`` from the scaffold, and whatever installed plugins add.

Exit status: 0 done; 2 bad input (the message names the file and JSON path or DICOM tag), or a
kernel not compiled under ``COVERAGE_SDK_REQUIRE_COMPILED=1``;
3 a plugin failed (the other policies' results are still printed); 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from coverage_sdk._kernels import extension_status
from coverage_sdk.errors import InputError, MissingExtensionError
from coverage_sdk.host.evaluate import sdk_version
from coverage_sdk.host.manager import PluginHost

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_PLUGIN_FAILED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors are bad input: exit 2, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def version_text(host: PluginHost) -> str:
    """``--version``: the SDK, the compiled or pure-Python core, one line per plugin."""
    lines = [f"coverage-sdk {sdk_version()}", f"extension: {extension_status()}"]
    for item in host.policies():
        lines.append(f"plugin: {item.distribution} {item.version} ({item.policy.id})")
    lines += [f"plugin: {b.distribution} {b.version} (failed to load: {b.error})" for b in host.broken]
    return "\n".join(lines)


def build_parser(host: PluginHost) -> argparse.ArgumentParser:
    parser = _Parser(prog="coverage-sdk", description="Coverage determinations for radiation-oncology medical policies.")
    parser.add_argument("--version", action="store_true", help="SDK version, compiled or pure-python core, plugins")
    parser.set_defaults(host=host)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    host.call("coverage_sdk_add_commands", subparsers=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    host = PluginHost.create()
    parser = build_parser(host)
    args = parser.parse_args(argv)
    try:
        if args.version:
            print(version_text(host))
            return EXIT_OK
        if not args.command:
            parser.print_help()
            return EXIT_BAD_INPUT
        return args.func(args)
    except (InputError, MissingExtensionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
