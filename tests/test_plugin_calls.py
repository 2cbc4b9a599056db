"""Plugin calls run in reused worker threads, each within its time limit (README, Plugins and Embedding)."""

from __future__ import annotations

import gc
import os
import sys
import threading
import types
import weakref

import pytest

import coverage_sdk as cs
from coverage_sdk.host.calls import PLUGIN_THREAD
from repo_paths import EXAMPLES

from test_authoring import make_policy

CASE = cs.load_case(EXAMPLES / "bcbsma-rectal-t4-close-margins.json")


class Stuck:
    """A policy whose ``where`` call blocks until ``release`` is set."""

    title, versions = "Stuck", ()

    def __init__(self, id, where):
        self.id, self.where, self.release, self.calls = id, where, threading.Event(), 0

    def applies_to_services(self, case):
        if self.where == "applies_to_services":
            self.release.wait()
        return True

    def evaluate(self, case, audit):
        self.calls += 1
        if self.where == "evaluate":
            self.release.wait()
        return make_policy(id=self.id).evaluate(case, audit)


def plugin(*policies):
    module = types.ModuleType("policies")
    module.coverage_sdk_policies = cs.hookimpl(lambda: list(policies))
    return module


def _workers(abandoned=False):
    return {t for t in threading.enumerate() if t.name.startswith(PLUGIN_THREAD) and t.name.endswith("(abandoned)") == abandoned}


def test_deciding_case_after_case_reuses_the_workers(host):
    host.register(plugin(make_policy(), make_policy(id="second-policy")), "two")
    first = cs.evaluate(CASE, host=host, evaluated_at="t")
    workers = _workers()
    for _ in range(50):
        assert cs.evaluate(CASE, host=host, evaluated_at="t") == first
    assert workers and _workers() == workers


def test_an_idle_worker_keeps_nothing_of_the_case(host):
    host.register(plugin(make_policy()), "one")
    case = cs.load_case(EXAMPLES / "bcbsma-rectal-t4-close-margins.json")
    decided = cs.evaluate(case, host=host)
    gone = weakref.ref(case)
    del case, decided
    gc.collect()
    assert gone() is None


@pytest.mark.parametrize("where", ["evaluate", "applies_to_services"])
def test_a_call_past_its_limit_fails_its_policy_and_the_next_policies_are_decided(host, where):
    stuck = Stuck("b-stuck", where)
    host.register(plugin(make_policy(id="a-policy"), stuck, make_policy(id="c-policy")), "three")
    try:
        dets = {d.policy_id: d for d in cs.evaluate(CASE, host=host, timeout=1.0, evaluated_at="t")}
    finally:
        stuck.release.set()
    assert dets["a-policy"].error is None and dets["c-policy"].error is None
    assert dets["a-policy"].outcome is dets["c-policy"].outcome is not cs.Outcome.CLINICAL_REVIEW
    assert dets["b-stuck"].outcome is cs.Outcome.CLINICAL_REVIEW
    assert dets["b-stuck"].error == f"b-stuck: {where} did not answer within 1 s (limit COVERAGE_SDK_PLUGIN_TIMEOUT)"


def test_an_abandoned_worker_does_not_go_on_with_the_case(host):
    stuck = Stuck("stuck", "applies_to_services")
    host.register(plugin(stuck), "stuck")
    try:
        [det] = cs.evaluate(CASE, host=host, timeout=1.0)
        abandoned = _workers(abandoned=True)
        assert det.error and abandoned
    finally:
        stuck.release.set()
    for thread in abandoned:
        thread.join(10)
        assert not thread.is_alive()
    assert stuck.calls == 0


def test_what_a_stuck_plugin_prints_later_still_goes_to_stderr(host, capfd):
    release = threading.Event()

    class Late(Stuck):
        def evaluate(self, case, audit):
            release.wait()
            print("late plugin output")
            return super().evaluate(case, audit)

    host.register(plugin(Late("late", None)), "late")
    cs.evaluate(CASE, host=host, timeout=1.0)
    release.set()
    for thread in _workers(abandoned=True):
        thread.join(10)
    out, err = capfd.readouterr()
    assert "late plugin output" in err and "late plugin output" not in out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_decides_with_its_own_workers(host):
    host.register(plugin(make_policy()), "one")
    expected = cs.evaluate(CASE, host=host, evaluated_at="t")
    pid = os.fork()
    if pid == 0:
        try:
            same = cs.evaluate(CASE, host=host, evaluated_at="t", timeout=30) == expected
        finally:
            sys.stdout.flush()
            os._exit(0 if same else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
