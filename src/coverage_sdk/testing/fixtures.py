"""pytest fixtures for the SDK's and plugins' tests: ``pytest_plugins = ["coverage_sdk.testing.fixtures"]``."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from coverage_sdk.host.manager import PluginHost


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, str, str]]:
    """Run the CLI in-process: ``cli(*args, env={...})`` returns (exit code, stdout, stderr)."""
    from coverage_sdk.cli import main

    def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def host() -> PluginHost:
    """A plugin host with the built-in plugins but no entry points, for tests that register their own."""
    return PluginHost.create(entry_points=False)


@pytest.fixture
def python_cli() -> list[str]:
    """The argv prefix that runs the real command in a subprocess."""
    return [sys.executable, "-m", "coverage_sdk.cli"]
