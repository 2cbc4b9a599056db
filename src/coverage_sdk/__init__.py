"""coverage_sdk: radiation-oncology medical policies as automated, auditable coverage determinations.

The whole public API is importable from here (shared/spec/interchange.md, Python API).
"""

from .circumference import BoneCircumferenceReport, bone_circumference
from .constraints import Constraint, parse_constraint
from .converter import get_converter, load_case, structure_case, unstructure
from .dicom import read_rtdose, read_rtstruct
from .dvh import DVH, compute_dvh
from .engine import evaluate, sdk_version
from .errors import InputError
from .hookspecs import hookimpl
from .geometry import DoseGrid, Structure
from .model import Case, Determination, Outcome, Result
from .oar_constraints import published_constraints

__all__ = [
    "BoneCircumferenceReport",
    "Case",
    "Constraint",
    "DVH",
    "Determination",
    "DoseGrid",
    "InputError",
    "Outcome",
    "Result",
    "Structure",
    "bone_circumference",
    "compute_dvh",
    "evaluate",
    "get_converter",
    "hookimpl",
    "load_case",
    "parse_constraint",
    "published_constraints",
    "read_rtdose",
    "read_rtstruct",
    "sdk_version",
    "structure_case",
    "unstructure",
]
