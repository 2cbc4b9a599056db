"""Every bad input of the spec exits 2 with a message naming the file and the JSON path; no traceback."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from repo_paths import EXAMPLES

GOOD = json.loads((EXAMPLES / "bcbsma-rectal-t4-close-margins.json").read_text())

BAD_INPUTS = {
    "truncated.json": (json.dumps(GOOD)[:57], "malformed JSON at line 1"),
    "unknown-field.json": (json.dumps({**GOOD, "tumour": {}}), "tumour: unknown field"),
    "bad-enum.json": (json.dumps({**GOOD, "setting": "office"}), "setting: 'office' is not one of inpatient, outpatient"),
    "bad-date.json": (json.dumps({**GOOD, "date_of_service": "2024-02-30"}), "date_of_service: '2024-02-30' is not a calendar date"),
    "negative-units.json": (json.dumps({**GOOD, "procedures": [{"code": "77425", "units": -1}]}), "procedures[0].units: must be >= 1"),
    "missing-field.json": (json.dumps({k: v for k, v in GOOD.items() if k != "date_of_service"}), "date_of_service: required field is missing"),
    "random.json": (os.urandom(64), "not UTF-8 text"),
}


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("command", ["validate", "evaluate"])
@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_exits_2_naming_file_and_path(tmp_path, cli, command, name):
    content, expected = BAD_INPUTS[name]
    if name == "random.json":
        content = b"\xff\xfe" + content
    path = _write(tmp_path, name, content)
    code, out, err = cli(command, str(path))
    assert code == 2
    assert str(path) in err and expected in err
    assert "Traceback" not in err + out


@pytest.mark.parametrize("command", ["validate", "evaluate"])
def test_missing_file(tmp_path, cli, command):
    code, _, err = cli(command, str(tmp_path / "absent.json"))
    assert code == 2 and "absent.json: file not found" in err


def test_real_command_no_traceback(tmp_path, python_cli):
    path = _write(tmp_path, "bad.json", json.dumps({**GOOD, "tumor": {"margin_status": "dirty"}}))
    done = subprocess.run([*python_cli, "evaluate", str(path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "tumor.margin_status: 'dirty' is not one of negative, close, positive" in done.stderr
    assert "Traceback" not in done.stderr


def test_one_bad_case_does_not_lose_the_batch(tmp_path, cli):
    bad = _write(tmp_path, "bad.json", "{")
    code, out, err = cli("evaluate", "--format", "json", str(bad), str(EXAMPLES / "bcbsma-colon-recurrent.json"))
    assert code == 2 and "bad.json" in err
    assert {d["case_id"] for d in json.loads(out)} == {"bcbsma-colon-recurrent"}


def test_validate_good_case(cli):
    code, out, _ = cli("validate", str(EXAMPLES / "bcbsma-colon-recurrent.json"))
    assert code == 0 and "valid" in out


def test_unknown_policy_is_bad_input(cli):
    code, _, err = cli("evaluate", "--policy", "no-such-policy", str(EXAMPLES / "bcbsma-colon-recurrent.json"))
    assert code == 2 and "unknown policy id no-such-policy" in err
