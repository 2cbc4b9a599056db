"""Entry point: the PAS adapter and the ``serve`` command."""

from __future__ import annotations

import argparse

from coverage_sdk.hookspecs import hookimpl

from .pas import PasAdapter


@hookimpl
def coverage_sdk_adapters():
    return [PasAdapter()]


@hookimpl
def coverage_sdk_add_commands(subparsers: argparse._SubParsersAction) -> None:
    from .cli import add_serve

    add_serve(subparsers)
