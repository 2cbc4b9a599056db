"""BCBSNC, Intensity Modulated Radiation Therapy (IMRT) for Sarcoma of the Extremities, as a coverage_sdk plugin."""

from .policy import POLICY

__all__ = ["POLICY"]
