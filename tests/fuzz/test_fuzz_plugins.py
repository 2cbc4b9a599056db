"""Misbehaving plugins fail their own policy only; the others' determinations are intact
(issue 18, plugin isolation). Each plugin is installed for the child process alone, through
a dist-info folder on its PYTHONPATH."""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from fuzz.contract import assert_contract, run_cli, without_time
from repo_paths import EXAMPLES

CASE = EXAMPLES / "evolent-breast-eligible.json"
POLICY_ID = "fuzz-policy"

PLUGIN = '''
import datetime as dt
import math
import os
import sys
import time

import attrs

from coverage_sdk.hookspecs import hookimpl
from coverage_sdk.policy.model import Determination, Outcome, Procedure, SummaryRow

MODE = os.environ["FUZZ_MODE"]


@attrs.frozen
class Version:
    effective_from: dt.date = dt.date(2000, 1, 1)
    effective_to: dt.date | None = None


def _determination(case, audit, **changes):
    fields = dict(
        case_id=case.case_id, policy_id="fuzz-policy", policy_version="2000-01-01", outcome=Outcome.NOT_APPLICABLE,
        requires_clinical_review=False, reasons=["fuzz"], criteria=[], missing_information=[],
        prior_authorization_required=None, line_items=[], summary_table=[], audit=audit,
    )
    fields.update(changes)
    return Determination(**fields)


class Policy:
    id = "fuzz-policy"
    title = "A policy that misbehaves"
    services = ()
    versions = (Version(),)

    def applies_to_services(self, case):
        if MODE == "applies raises":
            raise RuntimeError("applies_to_services failed")
        if MODE == "applies hangs":
            time.sleep(1000)
        return True

    def evaluate(self, case, audit):
        if MODE == "hang":
            time.sleep(1000)
        if MODE == "prints":
            print("garbage on stdout {[")
            sys.stdout.write("more garbage")
            return _determination(case, audit)
        if MODE == "sys.exit":
            sys.exit(0)
        if MODE == "KeyboardInterrupt":
            raise KeyboardInterrupt
        if MODE == "raises":
            raise ValueError("boom")
        if MODE == "returns None":
            return None
        if MODE == "returns a dict":
            return {"policy_id": "fuzz-policy", "outcome": "medically_necessary"}
        if MODE == "claims another policy":
            return _determination(case, audit, policy_id="evolent-cg226-iort", outcome=Outcome.MEDICALLY_NECESSARY)
        if MODE == "answers for another case":
            return _determination(case, audit, case_id="another")
        if MODE == "invalid outcome":
            return _determination(case, audit, outcome="approved")
        if MODE == "NaN in its table":
            row = SummaryRow("Heart", "Dmean < 26 Gy", "QUANTEC", math.nan, 1.0, None, None, None)
            return _determination(case, audit, summary_table=[row])
        if MODE == "mutates the case":
            case.procedures.clear()
            case.diagnoses.clear()
            case.procedures.append(Procedure("00000"))
            return _determination(case, audit)
        return _determination(case, audit)


@hookimpl
def coverage_sdk_policies():
    if MODE == "bad versions":
        class Bad(Policy):
            versions = None
        return [Bad()]
    if MODE == "bad title":
        class Bad(Policy):
            title = 7
        return [Bad()]
    if MODE == "policies raises":
        raise RuntimeError("no policies today")
    if MODE == "policies prints":
        print("noise")
    return [Policy()]
'''

IMPORT_FAILS = "raise ImportError('a missing dependency')\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A folder that installs the plugin ``fuzz_plugin`` for any Python that puts it on its path."""
    folder = tmp_path_factory.mktemp("site")
    (folder / "fuzz_plugin.py").write_text(textwrap.dedent(PLUGIN))
    info = folder / "coverage_sdk_fuzz_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: coverage-sdk-fuzz-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[coverage_sdk]\nfuzz = fuzz_plugin\n")
    return folder


@pytest.fixture(scope="module")
def baseline(site):
    run = assert_contract(run_cli("evaluate", str(CASE), "--format", "json"), allowed=(0,))
    return without_time(run.json())


def _run(site, mode, *args, timeout="3"):
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    env = {"PYTHONPATH": path, "FUZZ_MODE": mode, "COVERAGE_SDK_PLUGIN_TIMEOUT": timeout}
    return run_cli(*args, env=env, limit_s=60)


EVALUATE_MODES = [
    "hang", "applies hangs", "applies raises", "sys.exit", "KeyboardInterrupt", "raises", "returns None",
    "returns a dict", "claims another policy", "answers for another case", "invalid outcome", "NaN in its table",
]  # fmt: skip


@pytest.mark.parametrize("mode", EVALUATE_MODES)
def test_a_failing_plugin_fails_its_policy_only(site, baseline, mode):
    run = assert_contract(_run(site, mode, "evaluate", str(CASE), "--format", "json"), allowed=(3,))
    found = without_time(run.json())
    mine = [d for d in found if d["policy_id"] == POLICY_ID]
    assert [d for d in found if d["policy_id"] != POLICY_ID] == baseline
    assert len(mine) == 1 and mine[0]["error"] and mine[0]["outcome"] == "clinical_review"
    assert f"policy {POLICY_ID}" in run.err


@pytest.mark.parametrize("mode", ["prints", "mutates the case", "policies prints"])
def test_a_plugin_cannot_corrupt_the_output_or_the_others_case(site, baseline, mode):
    run = assert_contract(_run(site, mode, "evaluate", str(CASE), "--format", "json"), allowed=(0,))
    found = without_time(run.json())
    assert [d for d in found if d["policy_id"] != POLICY_ID] == baseline
    assert [d["case_id"] for d in found if d["policy_id"] == POLICY_ID] == [json.loads(CASE.read_text())["case_id"]]


@pytest.mark.parametrize("mode", ["bad versions", "bad title", "policies raises", "import fails"])
@pytest.mark.parametrize("command", [("policies",), ("policies", "--json"), ("--version",)])
def test_listing_policies_survives_a_bad_plugin(site, tmp_path, mode, command):
    folder = site
    if mode == "import fails":
        folder = tmp_path / "site"
        folder.mkdir()
        (folder / "fuzz_plugin.py").write_text(IMPORT_FAILS)
        for path in site.glob("*.dist-info"):
            (folder / path.name).mkdir()
            for file in path.iterdir():
                (folder / path.name / file.name).write_text(file.read_text())
    run = assert_contract(_run(folder, mode, *command), allowed=(0, 3))
    assert "evolent-cg226-iort" in run.out
    if command == ("policies", "--json"):
        assert json.loads(run.out)["broken_plugins"][0]["plugin"] == "fuzz"


def test_a_hung_plugin_is_abandoned_within_the_limit(site, baseline):
    import time

    started = time.monotonic()
    assert_contract(_run(site, "hang", "evaluate", str(CASE), "--format", "json", timeout="2"), allowed=(3,))
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon"])
def test_a_bad_time_limit_is_bad_input(site, value):
    run = assert_contract(_run(site, "raises", "evaluate", str(CASE), timeout=value), allowed=(2,))
    assert "COVERAGE_SDK_PLUGIN_TIMEOUT" in run.err
