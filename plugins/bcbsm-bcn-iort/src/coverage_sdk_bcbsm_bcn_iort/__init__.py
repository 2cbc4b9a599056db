"""BCBSM/BCN Joint Medical Policy, Intraoperative Radiotherapy, as a coverage_sdk plugin."""

from .policy import POLICY

__all__ = ["POLICY"]
