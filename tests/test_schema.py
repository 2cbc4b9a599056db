"""The shipped Case JSON Schema is the model's, accepts every example, and agrees with the converter."""

from __future__ import annotations

import json

import jsonschema
import pytest

import coverage_sdk as cs
from coverage_sdk.policy.schema import case_schema, shipped_case_schema
from repo_paths import EXAMPLES, SHARED

VALIDATOR = jsonschema.Draft202012Validator(case_schema(), format_checker=jsonschema.FormatChecker())


def test_shipped_schema_is_generated_from_the_model():
    assert shipped_case_schema() == case_schema(), "run: python -m coverage_sdk.policy.schema"
    jsonschema.Draft202012Validator.check_schema(case_schema())


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_examples_validate(path):
    VALIDATOR.validate(json.loads(path.read_text()))
    cs.load_case(path)


def test_spec_examples_fit_the_schema():
    spec = (SHARED / "spec" / "interchange.md").read_text()
    assert '"constraint": "Dmax < 54 Gy"' in spec
    VALIDATOR.validate({
        "case_id": "spec", "date_of_service": "2024-01-02", "procedures": [{"code": "77385"}],
        "radiation": {"oar_constraints": [{"organ": "Brainstem", "constraint": "Dmax < 54 Gy", "source": "QUANTEC"}]},
    })  # fmt: skip


BASE = {"case_id": "x", "date_of_service": "2024-01-02", "procedures": [{"code": "77425"}]}
SAMPLES = [
    (BASE, True),
    ({**BASE, "diagnoses": ["C20", {"code": "C18.7"}]}, True),
    ({**BASE, "setting": None}, True),
    ({**BASE, "extra": 1}, False),
    ({**BASE, "procedures": []}, False),
    ({**BASE, "procedures": [{"code": "77425", "units": 0}]}, False),
    ({**BASE, "patient": {"age_years": -1}}, False),
    ({**BASE, "tumor": {"t_stage": "T9"}}, False),
    ({**BASE, "tumor": {"site": "spleen"}}, False),
    ({**BASE, "radiation": {"plans": [{"label": "3D", "technique": "3dcrt", "dicom": {"rtdose": "a", "rtstruct": "b"}}]}}, True),
    ({**BASE, "radiation": {"plans": [{"label": "3D", "technique": "vmat"}]}}, False),
]


@pytest.mark.parametrize(("data", "valid"), SAMPLES)
def test_schema_and_converter_agree(data, valid):
    assert VALIDATOR.is_valid(data) is valid
    if valid:
        cs.structure_case(data)
    else:
        with pytest.raises(cs.InputError):
            cs.structure_case(data)
