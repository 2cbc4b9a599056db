"""``coverage-sdk new-plugin`` makes a project whose own tests pass, and the guide's examples run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coverage_sdk import InputError, load_case
from coverage_sdk.cli import main
from coverage_sdk.scaffold import FILES, create_plugin
from coverage_sdk.testing import CHECKS, normalise

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "writing-a-plugin.md"


def new_plugin(*argv: str) -> int:
    return main(["new-plugin", *argv])


def test_the_project_has_every_part_named_after_the_policy_id(tmp_path, capsys):
    assert new_plugin(str(tmp_path / "beta"), "--policy-id", "beta-sbrt", "--payer", "Beta Care") == 0
    root = tmp_path / "beta"
    assert "pip install -e '.[test]'" in capsys.readouterr().out
    assert len([p for p in root.rglob("*") if p.is_file()]) == len(FILES)
    pyproject = (root / "pyproject.toml").read_text()
    assert 'name = "coverage-sdk-beta-sbrt"' in pyproject
    assert '[project.entry-points.coverage_sdk]\nbeta_sbrt = "coverage_sdk_beta_sbrt.plugin"\n' in pyproject
    assert (root / "src" / "coverage_sdk_beta_sbrt" / "plugin.py").exists()
    policy = (root / "src" / "coverage_sdk_beta_sbrt" / "policy.py").read_text()
    assert 'id="beta-sbrt"' in policy and 'payer="Beta Care"' in policy
    (example,) = (root / "examples").glob("*.json")
    assert load_case(example).procedures[0].code == "77425"
    assert "| quoted text | our reading | why | the test that pins it |" in (root / "README.md").read_text()
    assert "$" not in "".join(p.read_text() for p in root.rglob("*") if p.is_file())


def test_the_payer_defaults_to_the_first_word_of_the_policy_id(tmp_path):
    root = create_plugin(tmp_path / "p", "gamma-iort")
    assert 'payer="Gamma"' in (root / "src" / "coverage_sdk_gamma_iort" / "policy.py").read_text()


@pytest.mark.parametrize("policy_id", ["Acme-IORT", "acme_iort", "acme--iort", "-acme", ""])
def test_a_malformed_policy_id_is_refused(tmp_path, policy_id):
    with pytest.raises(InputError, match="is not a policy id"):
        create_plugin(tmp_path / "p", policy_id)
    assert not (tmp_path / "p").exists()


def test_an_existing_folder_with_files_is_not_overwritten(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not an empty folder"):
        create_plugin(tmp_path, "acme-iort")
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def _run_generated_tests(tmp_path: Path, root: Path, policy_id: str) -> str:
    """The generated project, "installed" through a .dist-info folder on PYTHONPATH, runs its own pytest."""
    package, entry = f"coverage_sdk_{policy_id.replace('-', '_')}", policy_id.replace("-", "_")
    site = tmp_path / "site"
    info = site / f"{package}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: coverage-sdk-{policy_id}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[coverage_sdk]\n{entry} = {package}.plugin\n")
    env = {**os.environ, "COVERAGE_SDK_LOAD_PLUGINS": entry}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(site), str(root / "src"), env.get("PYTHONPATH"))))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider"], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for check in CHECKS:
        assert re.search(rf"test_conformance\[{check}\] PASSED", done.stdout), check
    return done.stdout


def test_the_generated_tests_pass_and_run_the_conformance_suite(tmp_path):
    out = _run_generated_tests(tmp_path, create_plugin(tmp_path / "acme-iort-plugin", "acme-iort"), "acme-iort")
    assert "test_policy.py::test_unknown_margins_are_insufficient_information_naming_the_fact PASSED" in out


SBRT_DOCUMENT = """Gamma Health Medical Policy 41: Stereotactic Body Radiation Therapy

Policy

SBRT may be considered **medically necessary** for early-stage non-small cell lung cancer in patients who are
medically inoperable.

SBRT is considered investigational for all other indications.
"""


def test_a_project_from_the_payers_document_cites_it_and_sends_every_request_to_review(tmp_path, capsys):
    document = tmp_path / "sbrt.txt"
    document.write_text(SBRT_DOCUMENT)
    root = tmp_path / "gamma-sbrt"
    argv = ["--policy-id", "gamma-sbrt", "--title", "Stereotactic Body Radiation Therapy", "--codes", "77373,77435"]
    assert new_plugin(str(root), *argv, "--document", str(document), "--effective-from", "2025-03-01") == 0
    assert (root / "policy" / "gamma-sbrt.txt").read_text() == SBRT_DOCUMENT
    text = "\n".join(p.read_text() for p in root.rglob("*") if p.is_file() and p.name != "gamma-sbrt.txt")
    assert "rectal" not in (root / "src" / "coverage_sdk_gamma_sbrt" / "policy.py").read_text().lower()
    assert "Intraoperative" not in text and "2025-03-01" in text
    out = _run_generated_tests(tmp_path, root, "gamma-sbrt")
    assert "test_policy.py::test_every_request_goes_to_clinical_review PASSED" in out


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), re.S)


def test_the_guides_python_examples_run_in_order(capsys):
    namespace: dict = {}
    for block in _blocks("python"):
        exec(compile(block, str(GUIDE), "exec"), namespace)
    assert namespace["covered"].outcome.value == "medically_necessary"
    assert "IORT is covered" in capsys.readouterr().out


def test_the_guides_example_policy_quotes_its_document_excerpt():
    namespace: dict = {}
    exec(compile(_blocks("python")[1], str(GUIDE), "exec"), namespace)
    (excerpt,) = _blocks("text")
    policy = namespace["POLICY"]
    quotes = {node.citation.quote for node in policy.criteria()} | {v.otherwise.citation.quote for v in policy.versions}
    assert len(quotes) == 3
    assert all(normalise(q) in normalise(excerpt) for q in quotes)


def test_the_guides_pyproject_snippet_is_what_new_plugin_writes(tmp_path):
    (snippet,) = _blocks("toml")
    generated = (create_plugin(tmp_path / "p", "acme-iort") / "pyproject.toml").read_text()
    assert snippet in generated


def test_title_and_codes_reach_every_file(tmp_path, capsys):
    root = tmp_path / "sbrt"
    assert new_plugin(str(root), "--policy-id", "gamma-sbrt", "--title", "Stereotactic Body Radiation Therapy", "--codes", "77373,77435") == 0
    text = "\n".join(p.read_text() for p in root.rglob("*") if p.is_file())
    assert "Intraoperative Radiation Therapy" not in text and "77424" not in text and "77425" not in text
    assert "Stereotactic Body Radiation Therapy" in (root / "src" / "coverage_sdk_gamma_sbrt" / "policy.py").read_text()
    assert "('77373', '77435')" in (root / "src" / "coverage_sdk_gamma_sbrt" / "policy.py").read_text()
    assert '"code": "77435"' in next((root / "examples").glob("*.json")).read_text()


@pytest.mark.parametrize(("flag", "value"), [("--codes", "7737"), ("--codes", ","), ("--title", 'a "quoted" title')])
def test_bad_title_or_codes_are_bad_input(tmp_path, capsys, flag, value):
    assert new_plugin(str(tmp_path / "x"), "--policy-id", "x-y", flag, value) == 2
    assert flag in capsys.readouterr().err
