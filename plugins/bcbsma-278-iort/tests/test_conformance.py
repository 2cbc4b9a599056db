"""The coverage_sdk conformance suite, run on Policy 278."""

from pathlib import Path

from coverage_sdk.testing import conformance_tests

REPO = Path(__file__).resolve().parents[3]

test_conformance = conformance_tests(
    "bcbsma-278-iort",
    policy_text=REPO.parent / "shared" / "policies" / "bcbsma-278-iort.txt",
    examples=sorted((REPO / "examples" / "cases").glob("bcbsma-*.json")),
)
