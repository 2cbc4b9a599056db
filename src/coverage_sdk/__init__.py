"""coverage_sdk: radiation-oncology medical policies as automated, auditable coverage determinations.

The whole public API is importable from here (shared/spec/interchange.md, Python API).
"""

from .converter import get_converter, load_case, structure_case, unstructure
from .engine import evaluate, sdk_version
from .errors import InputError
from .hookspecs import hookimpl
from .model import Case, Determination, Outcome, Result

__all__ = [
    "Case",
    "Determination",
    "InputError",
    "Outcome",
    "Result",
    "evaluate",
    "get_converter",
    "hookimpl",
    "load_case",
    "sdk_version",
    "structure_case",
    "unstructure",
]
