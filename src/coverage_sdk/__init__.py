"""coverage_sdk: radiation-oncology medical policies as automated, auditable coverage determinations.

The whole public API is importable from here (shared/spec/interchange.md, Python API). The
policy engine is imported at once; the dose engine (pydicom, numpy kernels) only when one of
its names is first used, so a host that decides submitted metrics pays for nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from coverage_sdk.errors import CoverageSDKError, InputError, MissingExtensionError, PluginError
from coverage_sdk.hookspecs import Adapter, AdaptedRequest, hookimpl
from coverage_sdk.host.evaluate import evaluate, sdk_version
from coverage_sdk.host.manager import InstalledPolicy, PluginHost, default_host, list_policies
from coverage_sdk.policy.converter import get_converter, load_case, structure_case, unstructure
from coverage_sdk.policy.model import Case, Determination, Outcome, Result, WarningCode

if TYPE_CHECKING:
    from coverage_sdk.dose.circumference import BoneCircumferenceReport, bone_circumference
    from coverage_sdk.dose.constraint_library import PublishedConstraint, published_constraints
    from coverage_sdk.dose.constraints import Constraint, parse_constraint
    from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct
    from coverage_sdk.dose.dvh import DVH, compute_dvh
    from coverage_sdk.dose.geometry import DoseGrid, Structure
    from coverage_sdk.dose.interpolation import VolumeConvention

_DOSE = {
    "BoneCircumferenceReport": "circumference", "bone_circumference": "circumference",
    "PublishedConstraint": "constraint_library", "published_constraints": "constraint_library",
    "Constraint": "constraints", "parse_constraint": "constraints",
    "read_rtdose": "dicom", "read_rtstruct": "dicom",
    "DVH": "dvh", "compute_dvh": "dvh",
    "DoseGrid": "geometry", "Structure": "geometry", "VolumeConvention": "interpolation",
}  # fmt: skip


if not TYPE_CHECKING:  # hidden from type checkers, which would take any unknown name for Any

    def __getattr__(name: str) -> Any:
        if name in _DOSE:
            value = getattr(importlib.import_module(f"coverage_sdk.dose.{_DOSE[name]}"), name)
            globals()[name] = value
            return value
        raise AttributeError(f"module 'coverage_sdk' has no attribute {name!r}")


__all__ = [
    "Adapter", "AdaptedRequest", "BoneCircumferenceReport", "Case", "Constraint", "CoverageSDKError", "DVH",
    "Determination", "DoseGrid", "InputError", "InstalledPolicy", "MissingExtensionError", "Outcome", "PluginError", "PluginHost",
    "PublishedConstraint", "Result", "Structure", "WarningCode", "bone_circumference", "compute_dvh",
    "default_host", "evaluate", "get_converter", "hookimpl", "list_policies", "load_case", "parse_constraint",
    "published_constraints", "read_rtdose", "read_rtstruct", "sdk_version", "structure_case", "unstructure", "VolumeConvention",
]  # fmt: skip
