"""Entry point: the PAS adapter and the ``serve`` command (FHIR libraries load on first use)."""

from __future__ import annotations

import argparse

from coverage_sdk.hookspecs import Adapter, hookimpl


@hookimpl
def coverage_sdk_adapters() -> list[Adapter]:
    from .adapter import PasAdapter

    return [PasAdapter()]


@hookimpl
def coverage_sdk_add_commands(subparsers: argparse._SubParsersAction) -> None:
    from .cli import add_serve

    add_serve(subparsers)
