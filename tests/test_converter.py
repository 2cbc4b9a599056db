"""The Case contract: strict structuring, errors that name the JSON path, canonical output."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import coverage_sdk as cs
from coverage_sdk.policy.converter import case_sha256, canonical_json
from coverage_sdk.policy.model import DiagnosisSystem, TumorSite

GOOD = {
    "case_id": "c-1",
    "date_of_service": "2024-05-01",
    "procedures": [{"code": "77425"}],
    "diagnoses": ["C20", {"code": "C18.7", "system": "ICD-10-CM"}],
    "tumor": {"site": "rectum", "t_stage": "T4b", "margin_status": "close"},
}


def test_good_case_structures_with_defaults():
    case = cs.structure_case(GOOD)
    assert case.date_of_service == dt.date(2024, 5, 1)
    assert case.procedures[0].units == 1 and case.procedures[0].system.value == "CPT"
    assert [d.code for d in case.diagnoses] == ["C20", "C18.7"]
    assert case.diagnoses[0].system is DiagnosisSystem.ICD10_CM
    assert case.tumor.site is TumorSite.RECTUM and case.tumor.t_category == "T4"


def test_round_trip_is_canonical():
    case = cs.structure_case(GOOD)
    again = cs.structure_case(json.loads(canonical_json(case)))
    assert again == case
    assert case_sha256(again) == case_sha256(case)
    assert "null" not in canonical_json(case)


@pytest.mark.parametrize(
    ("change", "path", "expected"),
    [
        ({"colour": "red"}, "colour", "unknown field"),
        ({"tumor": {"margin_status": "dirty"}}, "tumor.margin_status", "'dirty' is not one of negative, close, positive"),
        ({"date_of_service": "2024-13-01"}, "date_of_service", "not a calendar date"),
        ({"date_of_service": "01/05/2024"}, "date_of_service", "expected an ISO date"),
        ({"procedures": [{"code": "77425", "units": -2}]}, "procedures[0].units", "must be >= 1"),
        ({"procedures": []}, "procedures", "must be >= 1"),
        ({"procedures": "77425"}, "procedures", "expected a list"),
        ({"procedures": [{"code": "77425", "sytem": "CPT"}]}, "procedures[0].sytem", "unknown field"),
        ({"patient": {"age_years": "60"}}, "patient.age_years", "expected an integer"),
        ({"patient": {"age_years": 60.5}}, "patient.age_years", "expected an integer"),
        ({"tumor": {"recurrent": "yes"}}, "tumor.recurrent", "expected true or false"),
        ({"tumor": {"t_stage": "T5"}}, "tumor.t_stage", "must be a T stage"),
        ({"documentation": ["xray"]}, "documentation[0]", "is not one of"),
        ({"radiation": {"plans": [{"label": "a", "technique": "imrt", "metrics": {"Heart": {"Dmax": "x"}}}]}},
         "radiation.plans[0].metrics.Heart.Dmax", "expected a number"),
    ],
)  # fmt: skip
def test_bad_values_name_the_path(change, path, expected):
    with pytest.raises(cs.InputError) as info:
        cs.structure_case({**GOOD, **change}, source="case.json")
    message = str(info.value)
    assert message.startswith("case.json: ")
    assert f"{path}: " in message and expected in message


@pytest.mark.parametrize("field", ["case_id", "date_of_service", "procedures"])
def test_missing_required_field(field):
    data = {k: v for k, v in GOOD.items() if k != field}
    with pytest.raises(cs.InputError, match=f"{field}: required field is missing"):
        cs.structure_case(data)


def test_extensions_are_free_form():
    case = cs.structure_case({**GOOD, "extensions": {"vendor": {"anything": [1, "two"]}}})
    assert case.extensions["vendor"]["anything"] == [1, "two"]


def test_top_level_must_be_an_object():
    with pytest.raises(cs.InputError, match="expected a JSON object"):
        cs.structure_case([GOOD])


def test_load_case_resolves_base_dir(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(GOOD))
    case = cs.load_case(path)
    assert case.base_dir == str(tmp_path.resolve())
    assert "base_dir" not in cs.unstructure(case)


def test_a_case_json_error_is_structured():
    with pytest.raises(cs.InputError) as caught:
        cs.structure_case({"case_id": "x", "date_of_service": "2024-01-01", "procedures": [{"code": "77424", "units": 0}]}, source="c.json")
    error = caught.value
    assert (error.source, error.location, error.pointer) == ("c.json", "procedures[0].units", "/procedures/0/units")
    assert str(error) == "c.json: procedures[0].units: must be >= 1, got 0"


def test_several_problems_are_listed_each_with_its_place():
    data = {"case_id": "x", "date_of_service": "2024-01-01", "procedures": [{"code": "77424"}], "tumor": {"margin_status": "dirty", "a/b": 1}}
    with pytest.raises(cs.InputError) as caught:
        cs.structure_case(data)
    places = sorted((p.location, p.pointer) for p in caught.value.problems)
    assert places == [("tumor.a/b", "/tumor/a~1b"), ("tumor.margin_status", "/tumor/margin_status")]
    assert caught.value.location is None and "tumor.margin_status: 'dirty' is not one of" in str(caught.value)
