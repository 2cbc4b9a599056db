"""The entry point: the ``serve`` command, and no FHIR library imported by the other commands."""

from __future__ import annotations

import subprocess
import sys

from coverage_sdk.cli import main


def test_serve_is_a_command(capsys):
    try:
        main(["serve", "--help"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "--payer-map" in capsys.readouterr().out


def test_loading_the_plugin_imports_no_fhir_library():
    code = "import sys, coverage_sdk_fhir.plugin; print(sorted(m for m in ('fhir.resources', 'fhirpathpy', 'fastapi') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_serve_with_a_bad_payer_map_is_bad_input(tmp_path, capsys):
    bad = tmp_path / "map.json"
    bad.write_text('{"payers": {}, "lines_of_business": {"plan|X": "gold"}}')
    assert main(["serve", "--payer-map", str(bad)]) == 2
    assert "lines_of_business.plan|X: 'gold' is not one of" in capsys.readouterr().err
