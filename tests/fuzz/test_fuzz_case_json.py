"""Case JSON outside the contract is bad input naming its JSON path, in one process with the
valid cases after it still decided (issue 18, case JSON)."""

from __future__ import annotations

import json
import re
import time

import pytest

from fuzz.contract import OpenWatch, assert_contract, run_cli
from repo_paths import EXAMPLES

BASE = json.loads((EXAMPLES / "evolent-breast-eligible.json").read_text(encoding="utf-8"))
METRIC = "radiation.plans[0].metrics.Femur_L.bone_circumference_pct_ge_40gy"
SARCOMA = (EXAMPLES / "bcbsnc-femur-sparing-met.json").read_text(encoding="utf-8")


def _nested(depth: int, leaf: str = "0") -> str:
    return "[" * depth + leaf + "]" * depth


def _with(text_of_base: str, old: str, new: str) -> str:
    assert old in text_of_base, old
    return text_of_base.replace(old, new, 1)


def _case(**changes) -> str:
    return json.dumps({**BASE, **changes})


_SARCOMA_METRIC = re.search(r'"bone_circumference_pct_ge_40gy": ([0-9.]+)', SARCOMA).group(0)

# name -> (case text, the JSON path or phrase its message must name)
MUTATIONS: dict[str, tuple[str, str]] = {
    "NaN metric": (SARCOMA.replace(_SARCOMA_METRIC, '"bone_circumference_pct_ge_40gy": NaN', 1), METRIC),
    "Infinity metric": (SARCOMA.replace(_SARCOMA_METRIC, '"bone_circumference_pct_ge_40gy": Infinity', 1), METRIC),
    "-Infinity metric": (SARCOMA.replace(_SARCOMA_METRIC, '"bone_circumference_pct_ge_40gy": -Infinity', 1), METRIC),
    "1e400 metric": (SARCOMA.replace(_SARCOMA_METRIC, '"bone_circumference_pct_ge_40gy": 1e400', 1), METRIC),
    "1e300 metric": (SARCOMA.replace(_SARCOMA_METRIC, '"bone_circumference_pct_ge_40gy": 1e300', 1), METRIC),
    "units 2^63": (_case(procedures=[{"code": "19294", "units": 2**63}]), "procedures[0].units"),
    "units 10^5": (_case(procedures=[{"code": "19294", "units": 100_000}]), "procedures[0].units"),
    "sequence 2^63": (_case(procedures=[{"code": "19294", "sequence": 2**63}]), "procedures[0].sequence"),
    "fractions 10^30": (_case(radiation={"iort": {"fractions": 10**30}}), "radiation.iort.fractions"),
    "fractions 1000": (_case(radiation={"iort": {"fractions": 1000}}), "radiation.iort.fractions"),
    "age 10^30": (_case(patient={"age_years": 10**30}), "patient.age_years"),
    "age -1": (_case(patient={"age_years": -1}), "patient.age_years"),
    "5,000-digit integer": (_case(patient={"age_years": "AGE"}).replace('"AGE"', "9" * 5000), "patient.age_years"),
    "5,000-digit float": (_case(patient={"age_years": "AGE"}).replace('"AGE"', "9" * 5000 + ".5"), "patient.age_years"),
    "100,000 deep": (_case(extensions={"x": "DEEP"}).replace('"DEEP"', _nested(100_000)), "nested deeper"),
    "extensions 600 deep": (_case(extensions=json.loads(_nested(600, "{}").replace("[", '{"a":').replace("]", "}"))), "extensions.a.a"),
    "duplicate key": (_with(_case(tumor={"margin_status": "positive"}), '"margin_status": "positive"', '"margin_status": "positive", "margin_status": "negative"'), "tumor.margin_status"),
    "duplicate top-level key": (_case().replace("{", '{"case_id": "a", ', 1), "case_id"),
    "lone surrogate in a code": (_case(diagnoses=["C50.911"]).replace("C50.911", "\\ud800"), "diagnoses[0]"),
    "lone surrogate in a key": (_case(extensions={"k": 1}).replace('"k"', '"\\udfff"'), "extensions"),
    "2,000 diagnoses": (_case(diagnoses=["C50.911"] * 2000), "diagnoses"),
    "300 KB diagnosis code": (_case(diagnoses=["C50" + "9" * 300_000]), "diagnoses[0]"),
    "100 KB case_id": (_case(case_id="x" * 100_000), "case_id"),
    "6 MB of procedures": (_case(procedures=[{"code": "19294"}] * 300_000), "MiB"),
    "not UTF-8": (_case(case_id="ID").replace('"ID"', '"\udcff"'), "not UTF-8"),
    "a list at the top": ("[" + _case() + "]", "expected a JSON object"),
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cases")
    paths = {}
    for n, (name, (text, _)) in enumerate(sorted(MUTATIONS.items())):
        paths[name] = folder / f"case-{n:02d}.json"
        paths[name].write_bytes(text.encode("utf-8", "surrogateescape"))
    return paths


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_mutation_is_bad_input_naming_its_path(cases, name):
    run = assert_contract(run_cli("validate", str(cases[name]), limit_s=30), allowed=(2,))
    assert run.err.startswith(f"error: {cases[name]}: ") and MUTATIONS[name][1] in run.err, run.err[:300]


def test_every_mutation_is_bad_input_naming_its_path_and_the_valid_case_after_them_is_decided(cases, tmp_path):
    valid = tmp_path / "valid.json"
    valid.write_text(json.dumps(BASE))
    run = assert_contract(run_cli("evaluate", *map(str, cases.values()), str(valid), "--format", "json"), allowed=(2,))
    lines = run.err.splitlines()
    for name, path in cases.items():
        mine = [line for line in lines if line.startswith(f"error: {path}: ")]
        assert mine, f"{name}: no error line"
        assert MUTATIONS[name][1] in mine[0], f"{name}: {mine[0][:300]}"
    assert {d["case_id"] for d in run.json()} == {BASE["case_id"]}


@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "directory"])
def test_a_case_file_that_is_not_a_regular_file_is_bad_input(tmp_path, kind):
    path = {"/dev/zero": "/dev/zero", "fifo": str(tmp_path / "case.json"), "directory": str(tmp_path)}[kind]
    if kind == "fifo":
        with OpenWatch(tmp_path / "case.json") as watch:
            run = assert_contract(run_cli("validate", path, limit_s=30), allowed=(2,))
        assert not watch.opened.is_set()
    else:
        run = assert_contract(run_cli("validate", path, limit_s=30), allowed=(2,))
    assert path in run.err


def test_the_icd10_lookup_is_linear_in_the_code_length():
    from coverage_sdk.policy.icd10 import infer_site

    started = time.perf_counter()
    assert infer_site(["C50" + "9" * 1_000_000]) is not None
    assert time.perf_counter() - started < 1.0


def test_the_api_applies_the_same_limits_to_a_dict():
    import coverage_sdk as cs
    from coverage_sdk.errors import InputError

    deep: dict = {}
    for _ in range(10_000):
        deep = {"a": deep}
    for data, where in [
        ({**BASE, "extensions": deep}, "extensions.a"),
        ({**BASE, "patient": {"age_years": float("nan")}}, "patient.age_years"),
        ({**BASE, "diagnoses": ["\ud800"]}, "diagnoses[0]"),
    ]:
        with pytest.raises(InputError, match=re.escape(where)):
            cs.structure_case(data)


def test_text_output_shows_control_characters_escaped(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps({**BASE, "case_id": "x\u001b[2J\u001b[31m\nerror: forged \u202e"}))
    run = assert_contract(run_cli("evaluate", str(path)), allowed=(0,))
    assert "\x1b" not in run.out and "\u202e" not in run.out
    assert not any(line.startswith("error: forged") for line in run.out.splitlines())
    assert "\\x1b[2J" in run.out
