"""IMRT for tumors in close proximity to organs at risk, as a coverage_sdk plugin."""

from .policy import POLICY

__all__ = ["POLICY"]
