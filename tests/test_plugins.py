"""The plugin host: entry points, allow/deny lists, check_pending, and a failing plugin isolated."""

from __future__ import annotations

import json
import types

import pluggy
import pytest

import coverage_sdk as cs
from coverage_sdk import hookspecs
from coverage_sdk.plugins import PluginHost
from repo_paths import EXAMPLES

from test_authoring import make_policy

CASE = cs.load_case(EXAMPLES / "bcbsma-rectal-t4-close-margins.json")


def plugin(*policies, name="p"):
    module = types.ModuleType(name)
    module.coverage_sdk_policies = cs.hookimpl(lambda: list(policies))
    return module


class Exploding:
    id, title, versions = "exploding", "Explodes", ()

    def applies_to_services(self, case):
        return True

    def evaluate(self, case, audit):
        raise ZeroDivisionError("boom")


def test_registered_policies_are_listed_and_evaluated(host):
    host.register(plugin(make_policy()), "test")
    assert [p.policy.id for p in host.policies()] == ["test-policy"]
    dets = cs.evaluate(CASE, host=host)
    assert [d.policy_id for d in dets] == ["test-policy"]


def test_a_failing_policy_is_isolated(host):
    host.register(plugin(make_policy()), "good")
    host.register(plugin(Exploding()), "bad")
    dets = {d.policy_id: d for d in cs.evaluate(CASE, host=host)}
    assert dets["test-policy"].error is None
    bad = dets["exploding"]
    assert bad.outcome is cs.Outcome.CLINICAL_REVIEW and bad.requires_clinical_review
    assert "ZeroDivisionError: boom" in bad.error


def test_a_plugin_whose_hook_raises_is_reported(host):
    module = types.ModuleType("raising")
    module.coverage_sdk_policies = cs.hookimpl(lambda: 1 / 0)
    host.register(module, "raising")
    host.register(plugin(make_policy()), "good")
    assert [p.policy.id for p in host.policies()] == ["test-policy"]
    dets = cs.evaluate(CASE, host=host)
    assert [d.policy_id for d in dets] == ["test-policy", "raising"]
    assert dets[1].error and "ZeroDivisionError" in dets[1].error


def test_duplicate_policy_ids_are_refused(host):
    host.register(plugin(make_policy()), "a")
    host.register(plugin(make_policy()), "b")
    assert len(host.policies()) == 1
    assert host.broken[0].name == "b" and "already provided" in host.broken[0].error


def test_misspelt_hook_fails_loudly(host):
    module = types.ModuleType("typo")
    module.coverage_sdk_policys = cs.hookimpl(lambda: [])
    with pytest.raises(pluggy.PluginValidationError):
        host.register(module, "typo")
    assert host.pm.get_plugin("typo") is None


def test_cli_exit_3_when_a_plugin_fails(cli, monkeypatch, host):
    host.register(plugin(make_policy()), "good")
    host.register(plugin(Exploding()), "bad")
    monkeypatch.setattr(PluginHost, "create", classmethod(lambda cls, **kw: host))
    code, out, err = cli("evaluate", "--format", "json", str(EXAMPLES / "bcbsma-rectal-t4-close-margins.json"))
    assert code == 3
    assert {d["policy_id"] for d in json.loads(out)} == {"test-policy", "exploding"}
    assert "exploding" in err


def test_entry_points_allow_and_deny(monkeypatch):
    everything = {p.policy.id for p in PluginHost.create().policies()}
    assert "bcbsma-278-iort" in everything
    monkeypatch.setenv("COVERAGE_SDK_DISABLE_PLUGINS", "bcbsma_278_iort")
    assert "bcbsma-278-iort" not in {p.policy.id for p in PluginHost.create().policies()}
    monkeypatch.delenv("COVERAGE_SDK_DISABLE_PLUGINS")
    monkeypatch.setenv("COVERAGE_SDK_LOAD_PLUGINS", "bcbsma_278_iort")
    assert [p.policy.id for p in PluginHost.create().policies()] == ["bcbsma-278-iort"]
    installed = PluginHost.create().policies()[0]
    assert installed.distribution == "coverage-sdk-bcbsma-278-iort" and installed.version


def test_every_hook_is_documented_and_tested():
    specs = [name for name in dir(hookspecs) if name.startswith("coverage_sdk_")]
    assert specs, "no hooks found"
    this_file = open(__file__).read()
    for name in specs:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), f"{name} has no docstring"
        assert name in this_file, f"{name} is not exercised by a test"
