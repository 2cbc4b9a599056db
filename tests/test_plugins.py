"""The plugin host: entry points, allow/deny lists, check_pending, and a failing plugin isolated."""

from __future__ import annotations

import json
import sys
import types

import attrs

import pluggy
import pytest

import coverage_sdk as cs
from coverage_sdk import hookspecs
from coverage_sdk.host.manager import PluginHost
import hook_calls
from repo_paths import EXAMPLES

from test_authoring import make_policy

_GOOD = PluginHost.create(entry_points=False)
_GOOD.register(types.SimpleNamespace(coverage_sdk_policies=cs.hookimpl(lambda: [make_policy()])), "good")

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


def test_every_hook_is_documented_and_called_by_a_test():
    """Runs last (tests/conftest.py); every hook must have been called through pluggy by a test."""
    specs = sorted(name for name in dir(hookspecs) if name.startswith("coverage_sdk_"))
    assert specs, "no hooks found"
    for name in specs:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), f"{name} has no docstring"
    if not hook_calls.SESSION["full"]:
        pytest.skip("needs the whole core suite in the session: the other tests call the hooks")
    assert [name for name in specs if name not in hook_calls.CALLED] == []


def test_specname_implementations_are_honoured(host):
    module = types.ModuleType("renamed")

    @cs.hookimpl(specname="coverage_sdk_policies")
    def provide():
        return [make_policy()]

    module.provide = provide
    host.register(module, "renamed")
    assert [p.policy.id for p in host.policies()] == ["test-policy"]


def test_tryfirst_orders_the_calls(host):
    order = []

    def commands(name, **marks):
        module = types.ModuleType(name)

        @cs.hookimpl(**marks)
        def coverage_sdk_add_commands(subparsers):
            order.append(name)

        module.coverage_sdk_add_commands = coverage_sdk_add_commands
        return module

    host.register(commands("first", tryfirst=True), "first")
    host.register(commands("plain"), "plain")
    host.call("coverage_sdk_add_commands", subparsers=None)
    assert order[0] == "first" and "plain" in order


def test_a_wrapper_sees_each_plugins_policies(host):
    seen = []
    module = types.ModuleType("wrapper")

    @cs.hookimpl(wrapper=True)
    def coverage_sdk_policies():
        result = yield
        seen.append([p.id for provided in result for p in provided])
        return result

    module.coverage_sdk_policies = coverage_sdk_policies
    host.register(module, "wrapper")
    host.register(plugin(make_policy()), "good")
    assert [p.policy.id for p in host.policies()] == ["test-policy"]
    assert seen == [["test-policy"]]


def test_a_plugin_adds_a_cli_command(cli, monkeypatch, host):
    module = types.ModuleType("hello")

    @cs.hookimpl
    def coverage_sdk_add_commands(subparsers):
        p = subparsers.add_parser("hello")
        p.set_defaults(func=lambda args: print("hello from a plugin") or 0)

    module.coverage_sdk_add_commands = coverage_sdk_add_commands
    host.register(module, "hello")
    monkeypatch.setattr(PluginHost, "create", classmethod(lambda cls, **kw: host))
    assert cli("hello")[:2] == (0, "hello from a plugin\n")


class ListAdapter:
    """A toy host format: a JSON list of cases in, a JSON list of [policy id, outcome] lists out."""

    name = "case-list"

    def read(self, data, *, source=None):
        return cs.AdaptedRequest(tuple(cs.structure_case(item, source=source) for item in json.loads(data)))

    def write(self, request, determinations):
        return json.dumps([[[d.policy_id, d.outcome.value] for d in dets] for dets in determinations]).encode()


def test_an_adapter_reads_the_request_and_writes_the_answer(cli, monkeypatch, host, tmp_path):
    module = types.ModuleType("adapters")
    module.coverage_sdk_adapters = cs.hookimpl(lambda: [ListAdapter()])
    host.register(module, "adapters")
    host.register(plugin(make_policy()), "good")
    case = json.loads((EXAMPLES / "bcbsma-rectal-t4-close-margins.json").read_text())
    request = tmp_path / "request.json"
    request.write_text(json.dumps([case, case]))
    monkeypatch.setattr(PluginHost, "create", classmethod(lambda cls, **kw: host))
    code, out, _ = cli("evaluate", "--adapter", "case-list", str(request))
    expected = cs.evaluate(CASE, host=host)[0].outcome.value
    assert code == 0 and json.loads(out) == [[["test-policy", expected]], [["test-policy", expected]]]
    code, _, err = cli("evaluate", "--adapter", "fhir-nothing", str(request))
    assert code == 2 and "unknown adapter 'fhir-nothing'" in err


class Misbehaving:
    """A policy whose evaluate does what ``behaviour`` says instead of answering properly."""

    title, versions, payer_id = "Misbehaves", (), None

    def __init__(self, id, behaviour):
        self.id, self.behaviour = id, behaviour

    def applies_to_services(self, case):
        return True

    def evaluate(self, case, audit):
        return self.behaviour(case, audit)


def _mutate(case, audit):
    case.procedures.clear()
    case.extensions["touched"] = True
    raise RuntimeError("mutated the case")


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (lambda case, audit: None, "not a Determination"),
        (lambda case, audit: {"outcome": "medically_necessary"}, "not a Determination"),
        (lambda case, audit: attrs.evolve(cs.evaluate(case, host=_GOOD)[0]), "not 'bad'"),
        (lambda case, audit: sys.exit(4), "SystemExit: 4"),
        (_mutate, "mutated the case"),
    ],
)
def test_a_misbehaving_policy_fails_alone(host, behaviour, message):
    host.register(plugin(make_policy()), "good")
    host.register(plugin(Misbehaving("bad", behaviour)), "bad")
    before = cs.unstructure(CASE)
    dets = {d.policy_id: d for d in cs.evaluate(CASE, host=host)}
    assert message in dets["bad"].error and dets["bad"].outcome is cs.Outcome.CLINICAL_REVIEW
    assert dets["test-policy"].error is None
    assert cs.unstructure(CASE) == before


def test_a_plugin_that_returns_no_list_is_broken(host):
    module = types.ModuleType("none")
    module.coverage_sdk_policies = cs.hookimpl(lambda: 42)
    host.register(module, "none")
    host.register(plugin(make_policy()), "good")
    assert [p.policy.id for p in host.policies()] == ["test-policy"]
    assert "not a list of policies" in host.broken[0].error


def test_evaluate_reuses_one_default_host():
    assert cs.default_host() is cs.default_host()
    assert {p.policy.id for p in cs.list_policies()} >= {"bcbsma-278-iort"}


def test_wrong_argument_types_say_what_to_pass():
    with pytest.raises(TypeError, match="coverage_sdk.Case"):
        cs.evaluate({"case_id": "x"})
    with pytest.raises(TypeError, match="list of policy ids"):
        cs.evaluate(CASE, policies="bcbsma-278-iort")


def test_logging_names_plugins_and_timings_never_patient_data(caplog, host):
    host.register(plugin(make_policy()), "good")
    host.register(plugin(Exploding()), "bad")
    with caplog.at_level("DEBUG", logger="coverage_sdk"):
        cs.evaluate(CASE, host=host)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "policy test-policy decided case" in text and "policy exploding failed" in text
    assert CASE.case_id not in text and all(d.code not in text for d in CASE.diagnoses)
