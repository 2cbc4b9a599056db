"""Shared fixtures of the core tests."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    from coverage_sdk.cli import main

    def run(*args: str, env: dict[str, str] | None = None):
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def host():
    """A plugin host without entry points, for tests that register their own plugins."""
    from coverage_sdk.plugins import PluginHost

    return PluginHost.create(entry_points=False)


@pytest.fixture
def python_cli():
    """The argv prefix that runs the real command in a subprocess."""
    return [sys.executable, "-m", "coverage_sdk.cli"]
