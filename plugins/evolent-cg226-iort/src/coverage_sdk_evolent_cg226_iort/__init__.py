"""Evolent Clinical Guideline CG_226, Intraoperative Radiation Therapy, as a coverage_sdk plugin."""

from .policy import POLICY

__all__ = ["POLICY"]
