"""The CG_226 plugin as installed: quotes, entry point, coexistence with the other IORT plugins, examples."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.resources import files

import pytest

import coverage_sdk
from coverage_sdk.policy.model import Outcome
from coverage_sdk.host.manager import PluginHost
from coverage_sdk_evolent_cg226_iort import POLICY

DATA = files("coverage_sdk_evolent_cg226_iort") / "data"
DOCUMENT = DATA / "evolent-cg226-iort.txt"
EXAMPLES = DATA / "examples"
IORT_PLUGINS = "evolent_cg226_iort,bcbsma_278_iort,bcbsm_bcn_iort"

EXAMPLE_OUTCOMES = {
    "evolent-breast-eligible": Outcome.MEDICALLY_NECESSARY,
    "evolent-breast-age-47": Outcome.INVESTIGATIONAL,
    "evolent-breast-age-missing": Outcome.INSUFFICIENT_INFORMATION,
    "evolent-breast-intrabeam": Outcome.INVESTIGATIONAL,
    "evolent-pancreas-close-margin": Outcome.CLINICAL_REVIEW,
    "evolent-rectal-recurrent": Outcome.MEDICALLY_NECESSARY,
}


def _normalise(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def _citations():
    for node in POLICY.criteria():
        yield node.id, node.citation
    for version in POLICY.versions:
        yield version.otherwise.id, version.otherwise.citation
    for limit in POLICY.unit_limits:
        yield f"unit limit {limit.code}", limit.citation


def test_every_quote_is_verbatim_in_the_document():
    document = _normalise(DOCUMENT.read_text(encoding="utf-8"))
    absent = sorted({where for where, citation in _citations() if _normalise(citation.quote) not in document})
    assert not absent


def test_every_criterion_has_an_id_a_text_and_a_section():
    for node in POLICY.criteria():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", node.id)
        assert node.text.strip() and node.citation.section.strip()


def test_listed_alone_when_only_this_plugin_loads(monkeypatch):
    monkeypatch.setenv("COVERAGE_SDK_LOAD_PLUGINS", "evolent_cg226_iort")
    host = PluginHost.create()
    assert [item.policy.id for item in host.policies()] == ["evolent-cg226-iort"]
    assert not host.broken
    assert host.policies()[0].distribution == "coverage-sdk-evolent-cg226-iort"


def _cli(*args: str, plugins: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COVERAGE_SDK_LOAD_PLUGINS": plugins}
    return subprocess.run([sys.executable, "-m", "coverage_sdk.cli", *args], capture_output=True, text=True, env=env, check=False)


def test_cli_lists_the_policy_and_its_versions():
    done = _cli("policies", "--json", plugins="evolent_cg226_iort")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)["policies"]
    assert row["policy_id"] == "evolent-cg226-iort"
    assert [v["effective_from"] for v in row["versions"]] == ["2013-11-01", "2024-01-01"]


def test_one_determination_per_policy_beside_the_other_iort_plugins():
    done = _cli("evaluate", str(EXAMPLES / "evolent-rectal-recurrent.json"), "--format", "json", plugins=IORT_PLUGINS)
    assert done.returncode == 0, done.stderr
    ids = [d["policy_id"] for d in json.loads(done.stdout)]
    listed = _cli("policies", "--json", plugins=IORT_PLUGINS)
    assert sorted(ids) == sorted(row["policy_id"] for row in json.loads(listed.stdout)["policies"])
    assert ids.count("evolent-cg226-iort") == 1


@pytest.mark.parametrize("name", sorted(EXAMPLE_OUTCOMES))
def test_example_case(name):
    case = coverage_sdk.load_case(EXAMPLES / f"{name}.json")
    (det,) = coverage_sdk.evaluate(case, ["evolent-cg226-iort"])
    assert det.outcome is EXAMPLE_OUTCOMES[name]


def test_every_example_is_listed():
    assert sorted(p.stem for p in EXAMPLES.glob("evolent-*.json")) == sorted(EXAMPLE_OUTCOMES)
