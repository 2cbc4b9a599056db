"""Entry point: registers the BCBSNC extremity-sarcoma IMRT policy with the coverage_sdk plugin host."""

from coverage_sdk import hookimpl

from . import commands
from .policy import POLICY


@hookimpl
def coverage_sdk_policies():
    return [POLICY]


@hookimpl
def coverage_sdk_add_commands(subparsers):
    """``coverage-sdk circumference``: the bone circumference report this policy reads."""
    commands.add_parser(subparsers)
