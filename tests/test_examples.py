"""The README's example cases are copies of the cases each plugin ships in its package, DICOM included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repo_paths import EXAMPLES, REPO

if not (REPO / "plugins").is_dir():
    pytest.skip("a check of the repository: its plugins are not beside these tests (an unpacked sdist)", allow_module_level=True)

PACKAGED = {path.name: path for path in REPO.glob("plugins/*/src/*/data/examples/*.json")}


def _dicom(path: Path) -> set[str]:
    case = json.loads(path.read_text(encoding="utf-8"))
    return {value for plan in case.get("radiation", {}).get("plans", []) for value in plan.get("dicom", {}).values()}


def test_every_example_is_a_copy_of_a_packaged_one():
    examples = sorted(EXAMPLES.glob("*.json"))
    assert [p.name for p in examples] == sorted(PACKAGED)
    for path in examples:
        assert json.loads(path.read_text(encoding="utf-8")) == json.loads(PACKAGED[path.name].read_text(encoding="utf-8")), path.name


def test_the_dicom_of_every_example_lies_in_its_folder_and_is_a_copy():
    for path in sorted(EXAMPLES.glob("*.json")):
        for relative in _dicom(path):
            ours, packaged = EXAMPLES / relative, PACKAGED[path.name].parent / relative
            assert ours.resolve().is_relative_to(EXAMPLES.resolve()), relative
            assert ours.read_bytes() == packaged.read_bytes(), relative
