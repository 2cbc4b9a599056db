"""Entry point: registers the BCBSM/BCN joint IORT policy with the coverage_sdk plugin host."""

from coverage_sdk import hookimpl

from .policy import POLICY


@hookimpl
def coverage_sdk_policies():
    return [POLICY]
