"""BCBSMA Medical Policy 278, Intraoperative Radiotherapy, as a coverage_sdk plugin."""

from .policy import POLICY

__all__ = ["POLICY"]
