"""The compiled core is what the environment expects (tox sets COVERAGE_SDK_EXPECT_EXTENSION)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings

import pytest

import coverage_sdk
from coverage_sdk import _kernels


def test_extension_status_is_what_this_environment_expects():
    expected = os.environ.get("COVERAGE_SDK_EXPECT_EXTENSION")
    if expected is None:
        pytest.skip("nothing expected: COVERAGE_SDK_EXPECT_EXTENSION is unset (the tox environments set it)")
    assert _kernels.extension_status() == expected
    module = _kernels.kernel("_dvh")
    assert module.__name__ == ("coverage_sdk._dvh" if expected == "compiled" else "coverage_sdk._fallback.dvh")


@pytest.fixture
def dvh_not_built(monkeypatch):
    """As if ``coverage_sdk._dvh`` had not compiled, in a process that has not warned yet."""
    monkeypatch.setitem(sys.modules, "coverage_sdk._dvh", None)
    monkeypatch.setattr(_kernels, "_warned", False)
    monkeypatch.delenv("COVERAGE_SDK_PUREPYTHON", raising=False)
    monkeypatch.delenv("COVERAGE_SDK_REQUIRE_COMPILED", raising=False)


def test_a_kernel_not_built_falls_back_to_its_twin_with_one_warning_of_one_line(dvh_not_built):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _kernels.kernel("_dvh").__name__ == "coverage_sdk._fallback.dvh"
        assert _kernels.kernel("_dvh").__name__ == "coverage_sdk._fallback.dvh"
        assert _kernels.extension_status() == "pure-python"
    (warning,) = caught
    assert warning.category is RuntimeWarning
    assert "coverage_sdk._dvh is not compiled: the numpy twins are used" in str(warning.message)
    printed = warnings.formatwarning(warning.message, warning.category, warning.filename, warning.lineno)
    assert len(printed.splitlines()) == 1, printed


def test_require_compiled_makes_a_kernel_not_built_an_error(dvh_not_built, monkeypatch):
    monkeypatch.setenv("COVERAGE_SDK_REQUIRE_COMPILED", "1")
    with pytest.raises(coverage_sdk.MissingExtensionError, match="coverage_sdk._dvh is not compiled and COVERAGE_SDK_REQUIRE_COMPILED is set") as caught:
        _kernels.kernel("_dvh")
    assert isinstance(caught.value, ImportError) and isinstance(caught.value, coverage_sdk.CoverageSDKError)


def test_the_twins_asked_for_are_no_fallback(dvh_not_built, monkeypatch):
    monkeypatch.setenv("COVERAGE_SDK_PUREPYTHON", "1")
    monkeypatch.setenv("COVERAGE_SDK_REQUIRE_COMPILED", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _kernels.kernel("_dvh").__name__ == "coverage_sdk._fallback.dvh"


ONE_LINE = r"error: coverage_sdk\._\w+ is not compiled and COVERAGE_SDK_REQUIRE_COMPILED is set: install a wheel, or install with a C compiler\n"


def test_version_under_require_compiled_without_a_kernel_is_a_clear_error(dvh_not_built, monkeypatch, cli):
    monkeypatch.setenv("COVERAGE_SDK_REQUIRE_COMPILED", "1")
    code, out, err = cli("--version")
    assert code == 2 and out == "" and re.fullmatch(ONE_LINE, err), err


def test_version_under_require_compiled_without_a_kernel_in_the_real_command():
    """The real process, with the compiled _dvh hidden: one line on stderr, exit 2, no traceback."""
    hide = "import sys; sys.modules['coverage_sdk._dvh'] = None; from coverage_sdk.cli import main; sys.exit(main(['--version']))"
    env = {**os.environ, "COVERAGE_SDK_REQUIRE_COMPILED": "1", "COVERAGE_SDK_PUREPYTHON": "0"}
    done = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and done.stdout == "" and re.fullmatch(ONE_LINE, done.stderr), done.stderr
