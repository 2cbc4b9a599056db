"""Shared fixtures of the core tests."""

from __future__ import annotations

from coverage_sdk.testing.fixtures import cli, host, python_cli

__all__ = ["cli", "host", "python_cli"]

import pytest

from coverage_sdk.host.manager import PluginHost

import hook_calls

META_TEST = "test_every_hook_is_documented_and_called_by_a_test"


@pytest.fixture(autouse=True, scope="session")
def _record_hook_calls():
    """Every host the tests create records the hooks called through it (for the meta-test)."""
    original = PluginHost.create.__func__

    def create(cls, **kwargs):
        created = original(cls, **kwargs)
        created.pm.add_hookcall_monitoring(lambda name, impls, kw: hook_calls.CALLED.add(name), lambda *args: None)
        return created

    PluginHost.create = classmethod(create)
    yield
    PluginHost.create = classmethod(original)


def pytest_collection_modifyitems(session, config, items):
    """The hook meta-test runs last; it needs every core test module in the session."""
    meta = [item for item in items if item.name == META_TEST]
    for item in meta:
        items.remove(item)
        items.append(item)
    modules = {item.path.name for item in items if item.path.parent.name == "tests"}
    hook_calls.SESSION["full"] = all(p.name in modules for p in session.config.rootpath.joinpath("tests").glob("test_*.py"))

