"""The coverage_sdk conformance suite, run on Evolent CG_226."""

from pathlib import Path

from coverage_sdk.testing import conformance_tests

REPO = Path(__file__).resolve().parents[3]

test_conformance = conformance_tests(
    "evolent-cg226-iort",
    policy_text=REPO.parent / "shared" / "policies" / "evolent-cg226-iort.txt",
    examples=sorted((REPO / "examples" / "cases").glob("evolent-*.json")),
)
