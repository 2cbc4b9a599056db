"""The README's example cases are copies of the cases each plugin ships in its package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repo_paths import EXAMPLES, REPO

if not (REPO / "plugins").is_dir():
    pytest.skip("a check of the repository: its plugins are not beside these tests (an unpacked sdist)", allow_module_level=True)

PACKAGED = {path.name: path for path in REPO.glob("plugins/*/src/*/data/examples/*.json")}


def _resolved(path: Path) -> dict:
    """The case with its DICOM paths made absolute (each copy names them from where it lies)."""
    case = json.loads(path.read_text(encoding="utf-8"))
    for plan in case.get("radiation", {}).get("plans", []):
        if "dicom" in plan:
            plan["dicom"] = {key: str((path.parent / value).resolve()) for key, value in plan["dicom"].items()}
    return case


def test_every_example_is_a_copy_of_a_packaged_one():
    examples = sorted(EXAMPLES.glob("*.json"))
    assert [p.name for p in examples] == sorted(PACKAGED)
    for path in examples:
        assert _resolved(path) == _resolved(PACKAGED[path.name]), path.name
