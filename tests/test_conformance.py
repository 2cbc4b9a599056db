"""Each conformance check passes on a good plugin and fails on a plugin broken in its one way.

The good plugin is the one ``coverage-sdk new-plugin`` generates, installed for the test
through a ``.dist-info`` folder on ``sys.path`` (its entry point is then found as pip's would
be). Broken plugins wrap its policy in a custom policy object or rebuild it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import attrs
import pytest

from coverage_sdk import Outcome, hookimpl
from coverage_sdk.policy.authoring import Criterion, Policy, citer, true
from coverage_sdk.policy.model import MarginStatus, Procedure, Warning, WarningCode
from coverage_sdk.host.manager import PluginHost
from coverage_sdk.scaffold import create_plugin
from coverage_sdk.testing import CHECKS, Conformance, ConformanceFailure, conformance_tests, normalise, probes

POLICY_ID = "acme-iort"


def install(root: Path, site: Path, distribution: str, entry_point: str, module: str) -> None:
    """What ``pip install`` leaves behind that entry-point discovery reads: a .dist-info folder."""
    info = site / f"{distribution.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[coverage_sdk]\n{entry_point} = {module}\n")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The generated plugin, importable and installed (entry point ``acme_iort``) for this module."""
    root = create_plugin(tmp_path_factory.mktemp("gen") / "acme-iort-plugin", POLICY_ID)
    site = root.parent / "site"
    install(root, site, "coverage-sdk-acme-iort", "acme_iort", "coverage_sdk_acme_iort.plugin")
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(root / "src"))
        mp.syspath_prepend(str(site))
        yield root
        for name in [m for m in sys.modules if m.startswith("coverage_sdk_acme_iort")]:
            del sys.modules[name]


@pytest.fixture
def installed(project, monkeypatch):
    monkeypatch.setenv("COVERAGE_SDK_LOAD_PLUGINS", "acme_iort")
    return project


@pytest.fixture
def good(project):
    return importlib.import_module("coverage_sdk_acme_iort").POLICY


def suite(project: Path, *policies, examples=None, extra_plugins=()) -> Conformance:
    """A conformance run on ``policies`` registered by hand (as a test registers a plugin)."""
    host = PluginHost.create(entry_points=False)
    host.register(Plugin(*policies), "acme_iort", ("coverage-sdk-acme-iort", "0.1.0"))
    for i, plugin in enumerate(extra_plugins):
        host.register(plugin, f"other_{i}", (f"other-{i}", "1.0"))
    if examples is None:
        examples = sorted((project / "examples").glob("*.json"))
    return Conformance(policies[0].id, policy_text=project / "policy" / f"{POLICY_ID}.txt", examples=examples, host=host)


class Plugin:
    def __init__(self, *policies):
        self.policies = policies

    @hookimpl
    def coverage_sdk_policies(self):
        return list(self.policies)


class Altered:
    """A custom policy object: the good policy with some attributes or methods replaced."""

    def __init__(self, policy, **changes):
        self._policy = policy
        self.__dict__.update(changes)

    def __getattr__(self, name):
        return getattr(self._policy, name)


def fails(conformance: Conformance, check: str, *fragments: str) -> str:
    with pytest.raises(ConformanceFailure) as failure:
        conformance.run(check)
    message = str(failure.value)
    for fragment in fragments:
        assert fragment in message
    return message


# --- the good plugin -------------------------------------------------------------------------


def test_the_generated_plugin_passes_every_check_through_its_entry_point(installed):
    conformance = Conformance(
        POLICY_ID, policy_text=installed / "policy" / f"{POLICY_ID}.txt", examples=sorted((installed / "examples").glob("*.json"))
    )
    assert conformance.checks == CHECKS
    for check in conformance.checks:
        conformance.run(check)


def test_without_a_document_the_citations_check_is_not_offered(project, good):
    conformance = suite(project, good)
    assert "citations" not in attrs.evolve(conformance, policy_text=None).checks
    with pytest.raises(ValueError, match="no conformance check"):
        conformance.run("spelling")


def test_conformance_tests_is_one_pytest_test_per_check(project):
    test = conformance_tests(POLICY_ID, policy_text=project / "policy" / f"{POLICY_ID}.txt")
    (mark,) = test.pytestmark
    assert mark.name == "parametrize" and mark.args == ("check", CHECKS)


def test_quotes_are_compared_without_markdown_and_extra_whitespace():
    assert normalise("may be **considered**\n  [MEDICALLY NECESSARY](#) when\trequired .") == (
        "may be considered MEDICALLY NECESSARY when required."
    )


# --- one broken plugin per check ---------------------------------------------------------------


def test_entry_point_fails_for_a_plugin_registered_without_an_entry_point(project, good):
    fails(suite(project, good), "entry_point", "is not the object its entry point 'coverage_sdk_acme_iort.plugin' names")


def test_entry_point_fails_for_a_plugin_installed_with_its_entry_point_in_the_wrong_group(project, tmp_path, monkeypatch):
    info = tmp_path / "coverage_sdk_acme_typo-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: coverage-sdk-acme-typo\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[coverage-sdk]\nacme_typo = coverage_sdk_acme_iort.plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("COVERAGE_SDK_LOAD_PLUGINS", "acme_typo")
    fails(Conformance(POLICY_ID), "entry_point", "'acme-iort' is not provided by any plugin", "Declare the entry point")


def test_entry_point_fails_when_no_installed_plugin_provides_the_policy(project, good):
    conformance = attrs.evolve(suite(project, good), policy_id="acme-missing")
    fails(conformance, "entry_point", "'acme-missing' is not provided by any plugin")


def test_metadata_fails_for_a_malformed_policy_id_and_missing_methods(project, good):
    odd = Altered(good, id="Acme_IORT", applies_to_services=None)
    fails(suite(project, odd), "metadata", "'Acme_IORT' is not lowercase", "no applies_to_services() method")


def test_unique_ids_fails_when_two_plugins_provide_the_same_policy_id(project, good):
    fails(suite(project, good, extra_plugins=[Plugin(good)]), "unique_ids", "'acme-iort' is provided 2 times")


def test_unique_ids_fails_when_a_trail_repeats_a_criterion_id(project, good):
    def evaluate(case, audit):
        det = good.evaluate(case, audit)
        return attrs.evolve(det, criteria=det.criteria + det.criteria[:1])

    fails(suite(project, Altered(good, evaluate=evaluate)), "unique_ids", "repeats the id")


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        ("overlap", "overlaps version 2024-06-01"),
        ("order", "not in date order"),
        ("backwards", "ends before it starts"),
    ],
)
def test_versions_fails_for_overlapping_unordered_or_backwards_versions(project, good, versions, expected):
    (v,) = good.versions
    later = attrs.evolve(v, effective_from=dt.date(2024, 6, 1))
    broken = {
        "overlap": (attrs.evolve(v, effective_to=dt.date(2024, 12, 31)), later),
        "order": (later, attrs.evolve(v, effective_to=dt.date(2024, 5, 31))),
        "backwards": (attrs.evolve(v, effective_to=dt.date(2023, 1, 1)),),
    }[versions]
    fails(suite(project, Altered(good, versions=broken)), "versions", expected)


def test_versions_passes_for_consecutive_versions_each_named_on_its_first_and_last_day(project, good):
    (v,) = good.versions
    two = attrs.evolve(good, versions=(v, attrs.evolve(v, effective_from=dt.date(2024, 6, 1))))
    assert [x.effective_to for x in two.versions] == [dt.date(2024, 5, 31), None]
    suite(project, two).run("versions")


def test_versions_fails_when_the_determination_names_another_version(project, good):
    def evaluate(case, audit):
        return attrs.evolve(good.evaluate(case, audit), policy_version="2020-01-01")

    fails(suite(project, Altered(good, evaluate=evaluate)), "versions", "expected '2024-01-01'")


def _rebuilt(good: Policy, criterion: Criterion) -> Policy:
    """The good policy with its first rule's criterion replaced."""
    (v,) = good.versions
    rule = attrs.evolve(v.rules[0], when=criterion)
    return attrs.evolve(good, versions=(attrs.evolve(v, rules=(rule,)),))


def test_criteria_fails_for_a_criterion_without_citation_or_text(project, good):
    (v,) = good.versions
    when = v.rules[0].when
    uncited = attrs.evolve(when.parts[1], citation=None)
    textless = attrs.evolve(when.parts[0], text=" ")
    broken = _rebuilt(good, attrs.evolve(when, parts=(textless, uncited)))
    fails(suite(project, broken), "criteria", "'close-or-positive-margins' has no citation", "'rectal-cancer' has no text")


def test_citations_fails_for_a_quote_not_in_the_document(project, good):
    (v,) = good.versions
    when = v.rules[0].when
    cite = citer("Acme Medical Policy: Intraoperative Radiation Therapy")
    misquoted = attrs.evolve(when.parts[0], citation=cite("Policy", "IORT is covered for rectal cancer."))
    broken = _rebuilt(good, attrs.evolve(when, parts=(misquoted, when.parts[1])))
    fails(suite(project, broken), "citations", "criterion 'rectal-cancer': 'IORT is covered for rectal cancer.'")


def test_citations_fails_for_a_trail_citation_without_a_quote(project, good):
    def evaluate(case, audit):
        det = good.evaluate(case, audit)
        return attrs.evolve(det, criteria=[attrs.evolve(c, citation="Acme policy, section 2") for c in det.criteria])

    fails(suite(project, Altered(good, evaluate=evaluate)), "citations", "cites no quoted sentence ('Acme policy, section 2')")


def test_not_applicable_fails_for_a_policy_that_ignores_the_procedure_codes(project, good):
    def evaluate(case, audit):
        return good.evaluate(attrs.evolve(case, procedures=[Procedure("77425")]), audit)

    fails(suite(project, Altered(good, evaluate=evaluate)), "not_applicable", "with only CPT 99499", "expected not_applicable")


def test_not_applicable_fails_for_a_policy_that_ignores_the_date_of_service(project, good):
    def evaluate(case, audit):
        return good.evaluate(attrs.evolve(case, date_of_service=max(case.date_of_service, dt.date(2024, 1, 1))), audit)

    fails(suite(project, Altered(good, evaluate=evaluate)), "not_applicable", "on 2023-12-31 (a date no version covers)")


def test_unknown_facts_fails_for_a_policy_that_reads_an_unknown_margin_as_negative(project, good):
    """A derived fact turns 'margin status not given' into False: the classic guess."""
    (v,) = good.versions
    when = v.rules[0].when
    involved = true("margins-involved", when.parts[1].text, when.parts[1].citation, "margins_involved")
    broken = attrs.evolve(
        _rebuilt(good, attrs.evolve(when, parts=(when.parts[0], involved))),
        derived={"margins_involved": lambda case: bool(case.tumor) and case.tumor.margin_status in (MarginStatus.CLOSE, MarginStatus.POSITIVE)},
    )  # fmt: skip
    message = fails(suite(project, broken), "unknown_facts", "without tumor.margin_status gets investigational")
    assert "a case with only CPT 77424 on 2024-01-01 gets investigational" in message


def test_unknown_facts_fails_when_insufficient_information_names_nothing(project, good):
    def evaluate(case, audit):
        return attrs.evolve(good.evaluate(case, audit), missing_information=[])

    fails(suite(project, Altered(good, evaluate=evaluate)), "unknown_facts", "names no missing information")


def test_clinical_review_fails_for_a_policy_that_forgets_it(project, good):
    def evaluate(case, audit):
        return attrs.evolve(good.evaluate(case, audit), requires_clinical_review=False)

    fails(suite(project, Altered(good, evaluate=evaluate)), "clinical_review", "requires_clinical_review is False for outcome insufficient_information")


def test_clinical_review_fails_for_an_approval_a_warning_could_change(project, good):
    def evaluate(case, audit):
        det = good.evaluate(case, audit)
        if det.outcome is not Outcome.MEDICALLY_NECESSARY:
            return det
        warning = Warning(WarningCode.DIAGNOSIS_CONFLICT, "C50.9 is breast. Read as breast, the outcome would be investigational.")
        return attrs.evolve(det, warnings=[warning])

    fails(suite(project, Altered(good, evaluate=evaluate)), "clinical_review", "medically_necessary with a warning that could change it")


def test_determinism_fails_for_a_policy_whose_answer_changes_between_calls(project, good):
    calls = itertools.count()

    def evaluate(case, audit):
        det = good.evaluate(case, audit)
        return attrs.evolve(det, reasons=[*det.reasons, f"Evaluation number {next(calls)}."])

    fails(suite(project, Altered(good, evaluate=evaluate)), "determinism", "Evaluation number")


@pytest.mark.parametrize(("value", "expected"), [((1, 2), "criteria changed"), (float("nan"), "ValueError")])
def test_round_trip_fails_for_evidence_that_is_not_plain_json(project, good, value, expected):
    def evaluate(case, audit):
        det = good.evaluate(case, audit)
        criteria = [attrs.evolve(c, evidence={**c.evidence, "odd": value}) for c in det.criteria]
        return attrs.evolve(det, criteria=criteria)

    fails(suite(project, Altered(good, evaluate=evaluate)), "round_trip", expected)


def test_unknown_facts_accepts_a_conflict_that_knowing_more_reveals(project, good, tmp_path):
    """With tumor.site rectum, the breast code C50.9 is a conflict a person settles: taking the code
    away approves, keeping it is clinical_review; that is not deciding on an unknown fact."""
    case = json.loads(next((project / "examples").glob("*.json")).read_text())
    case["tumor"]["site"] = "rectum"
    case["diagnoses"] = ["C50.9"]
    path = tmp_path / "conflict.json"
    path.write_text(json.dumps(case))
    conformance = suite(project, good, examples=[path])
    (det,) = [det for _, det in conformance._evaluated("examples")]
    assert det.outcome is Outcome.CLINICAL_REVIEW
    conformance.run("unknown_facts")
    conformance.run("clinical_review")


def test_examples_fails_for_an_invalid_example_case(project, good, tmp_path):
    case = json.loads(next((project / "examples").glob("*.json")).read_text())
    case["tumor"]["margins"] = "close"
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(case))
    fails(suite(project, good, examples=[path]), "examples", "typo.json", "tumor.margins: unknown field")


def test_examples_fails_against_the_json_schema_too(project, good, tmp_path):
    schema = resources.files("coverage_sdk") / "data" / "case.schema.json"
    if not schema.is_file():
        pytest.fail("the Case JSON Schema is missing from the package")
    path = tmp_path / "no-procedures.json"
    path.write_text(json.dumps({"case_id": "x", "date_of_service": "2024-01-01", "procedures": []}))
    fails(suite(project, good, examples=[path]), "examples", f"not a valid Case: {path}: procedures", f"  - {path}: procedures: ")


def test_examples_fails_without_examples_or_when_none_is_decided(project, good, tmp_path):
    fails(suite(project, good, examples=[]), "examples", "no example cases")
    case = json.loads(next((project / "examples").glob("*.json")).read_text())
    path = tmp_path / "other-service.json"
    path.write_text(json.dumps({**case, "procedures": [{"code": "77385"}]}))
    fails(suite(project, good, examples=[path]), "examples", "no example case is decided")


# --- python -m coverage_sdk.testing.alone ------------------------------------------------------


def alone(*args: str, load: str, extra_path: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "COVERAGE_SDK_LOAD_PLUGINS": load}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (extra_path, env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-m", "coverage_sdk.testing.alone", *args], env=env, capture_output=True, text=True)


def test_alone_passes_when_exactly_the_expected_policies_are_installed(project):
    paths = os.pathsep.join((str(project.parent / "site"), str(project / "src")))
    assert alone(POLICY_ID, load="acme_iort", extra_path=paths).returncode == 0
    assert alone("--none", load="").returncode == 0


def test_alone_fails_and_says_what_differs(project):
    paths = os.pathsep.join((str(project.parent / "site"), str(project / "src")))
    missing = alone("bcbsma-278-iort", load="", extra_path=paths)
    assert missing.returncode == 1 and "not installed: bcbsma-278-iort" in missing.stderr
    unexpected = alone("--none", load="acme_iort", extra_path=paths)
    assert unexpected.returncode == 1 and "installed but not expected: acme-iort" in unexpected.stderr
    assert alone(load="").returncode == 2


def test_minimal_probe_outcome_is_what_the_generated_policy_says(project, good):
    """The probe cases are real cases: a service code alone leaves the policy undecided."""
    conformance = suite(project, good)
    outcomes = {det.outcome for _, det in conformance._evaluated("minimal")}
    assert outcomes == {Outcome.INSUFFICIENT_INFORMATION}


def test_the_days_no_version_covers_are_before_between_and_after(project, good):
    (v,) = good.versions
    first = attrs.evolve(v, effective_to=dt.date(2024, 3, 31))
    second = attrs.evolve(v, effective_from=dt.date(2024, 6, 1), effective_to=dt.date(2024, 12, 31))
    days = probes.uncovered_days([second, first])
    assert days == [dt.date(2023, 12, 31), dt.date(2024, 4, 1), dt.date(2025, 1, 1)]
    assert probes.uncovered_days([attrs.evolve(v, effective_from=dt.date.min)]) == []


def test_removals_take_away_facts_but_not_rows_of_the_analysis_asked_for(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps({
        "case_id": "x", "date_of_service": "2024-06-01", "procedures": [{"code": "77301"}],
        "diagnoses": ["C49.2", "C79.51"], "documentation": ["treatment_plan", "chart_notes"],
        "radiation": {
            "plans": [{"label": "3D", "technique": "3dcrt"}, {"label": "IMRT", "technique": "imrt", "metrics": {"Femur": {"Dmax": 50}}}],
            "oar_constraints": [{"organ": "Femur", "constraint": "Dmax < 52 Gy", "source": "QUANTEC"}, {"organ": "Skin", "constraint": "Dmax < 60 Gy"}],
        },
    }))  # fmt: skip
    removed = {p.label.split(" without ")[1] for p in probes.fact_removals(probes.read_example(path))}
    assert {"diagnoses[0]", "diagnoses[1]", "documentation[1]", "radiation", "radiation.plans[1].metrics.Femur.Dmax"} <= removed
    assert "radiation.oar_constraints[0].source" in removed
    assert not {"radiation.plans", "radiation.plans[0]", "radiation.oar_constraints", "radiation.oar_constraints[1]"} & removed
    assert not any(r.startswith(("case_id", "date_of_service", "procedures")) for r in removed)


SET_REASONS = '''
import attrs
from coverage_sdk import hookimpl
from coverage_sdk_bcbsma_278_iort import POLICY


class SetReasons:
    """BCBSMA 278 with one more reason built by iterating a set: stable within a process only."""

    def __init__(self, policy):
        self._policy = policy

    def __getattr__(self, name):
        return getattr(self._policy, name)

    def evaluate(self, case, audit):
        det = self._policy.evaluate(case, audit)
        return attrs.evolve(det, reasons=[*det.reasons, " ".join({"alpha", "beta", "gamma", "delta", "epsilon"})])


@hookimpl
def coverage_sdk_policies():
    return [SetReasons(POLICY)]
'''


def test_determinism_fails_for_reasons_built_from_a_set(tmp_path, monkeypatch, host):
    (tmp_path / "set_reasons_plugin.py").write_text(SET_REASONS)
    monkeypatch.syspath_prepend(str(tmp_path))
    import set_reasons_plugin

    host.register(set_reasons_plugin, "set_reasons_plugin", ("set-reasons", "1"))
    conformance = Conformance("bcbsma-278-iort", host=host)
    fails(conformance, "determinism", "PYTHONHASHSEED=")
