"""Entry point: registers Evolent CG_226 with the coverage_sdk plugin host."""

from coverage_sdk import hookimpl

from .policy import POLICY


@hookimpl
def coverage_sdk_policies():
    return [POLICY]
