"""The JSON Schema of the Case, generated from the attrs model and shipped with the package.

``python -m coverage_sdk.policy.schema`` rewrites ``data/case.schema.json``; a test checks that the
shipped file is what the model generates, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from coverage_sdk.policy import model
from coverage_sdk.policy.model import T_STAGE

SCHEMA_ID = "https://coverage-sdk.invalid/schema/case-1.json"

# Bounds the model enforces with attrs validators, stated for schema consumers.
FIELD_RULES: dict[tuple[type, str], dict[str, Any]] = {
    (model.Case, "procedures"): {"minItems": 1},
    (model.Procedure, "units"): {"minimum": 1, "maximum": model.MAX_UNITS},
    (model.Procedure, "code"): {"minLength": 1},
    (model.Procedure, "sequence"): {"minimum": 1, "maximum": model.MAX_SEQUENCE},
    (model.PriorService, "units"): {"minimum": 1, "maximum": model.MAX_UNITS},
    (model.PriorService, "code"): {"minLength": 1},
    (model.Diagnosis, "code"): {"minLength": 1},
    (model.Patient, "age_years"): {"minimum": 0, "maximum": 130},
    (model.Iort, "fractions"): {"minimum": 1, "maximum": model.MAX_FRACTIONS},
    (model.PlanDicom, "rtdose"): {"minLength": 1, "maxLength": model.MAX_PATH_CHARS},
    (model.PlanDicom, "rtstruct"): {"minLength": 1, "maxLength": model.MAX_PATH_CHARS},
    (model.Tumor, "t_stage"): {"pattern": T_STAGE.pattern},
}


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _type_schema(inner[0], defs) if len(inner) == 1 else {"anyOf": [_type_schema(a, defs) for a in inner]}
    if origin is list:
        return {"type": "array", "items": _type_schema(args[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1], defs)}
    if tp is Any:
        return {}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is dt.datetime:
        return {"type": "string", "format": "date-time"}
    if tp is dt.date:
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [member.value for member in tp]}
    if attrs.has(tp):
        if tp.__name__ not in defs:
            defs[tp.__name__] = {}
            defs[tp.__name__] = _class_schema(tp, defs)
        ref = {"$ref": f"#/$defs/{tp.__name__}"}
        if tp is model.Diagnosis:
            return {"anyOf": [{"type": "string", "minLength": 1}, ref]}
        return ref
    raise TypeError(f"no JSON Schema for {tp!r}")


def _class_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties, required = {}, []
    for field in attrs.fields(cls):
        if field.metadata.get("json") is False:
            continue
        schema = _type_schema(hints[field.name], defs)
        if field.name == "extensions":
            schema = {"type": "object"}
        schema.update(FIELD_RULES.get((cls, field.name), {}))
        if field.default is None:
            schema = {"anyOf": [schema, {"type": "null"}]}
        properties[field.name] = schema
        if field.default is attrs.NOTHING:
            required.append(field.name)
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    if cls.__doc__:
        out["description"] = " ".join(cls.__doc__.split())
    return out


def case_schema() -> dict[str, Any]:
    """The Case schema as the model defines it (interchange contract, version 1)."""
    defs: dict[str, Any] = {}
    root = _class_schema(model.Case, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "coverage_sdk Case (interchange contract, version 1)",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def shipped_case_schema() -> dict[str, Any]:
    """The schema file shipped in the package."""
    return json.loads(resources.files("coverage_sdk").joinpath("data/case.schema.json").read_text("utf-8"))


def main() -> int:
    target = Path(__file__).parents[1] / "data" / "case.schema.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(case_schema(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
