"""Entry point: registers the IMRT organs-at-risk policy with the coverage_sdk plugin host."""

from coverage_sdk import hookimpl

from . import compare_plans
from .policy import POLICY


@hookimpl
def coverage_sdk_policies():
    return [POLICY]


@hookimpl
def coverage_sdk_add_commands(subparsers):
    """coverage-sdk compare-plans: the summary table and DVH comparison this policy asks for."""
    compare_plans.add_parser(subparsers)
