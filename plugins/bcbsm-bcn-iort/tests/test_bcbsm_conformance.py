"""The SDK's conformance suite, run on this plugin with its document and example cases."""

from pathlib import Path

from coverage_sdk.testing import conformance_tests

REPO = Path(__file__).resolve().parents[3]

test_conformance = conformance_tests(
    "bcbsm-bcn-iort",
    policy_text=REPO.parent / "shared" / "policies" / "bcbsm-bcn-iort.txt",
    examples=sorted((REPO / "examples" / "cases").glob("bcbsm-*.json")),
)
