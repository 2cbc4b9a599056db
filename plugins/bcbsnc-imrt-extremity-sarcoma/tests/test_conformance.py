"""The SDK's conformance suite (coverage_sdk.testing) on this policy, its document and its example cases."""

from pathlib import Path

from coverage_sdk.testing import conformance_tests

REPO = Path(__file__).resolve().parents[3]
DOCUMENT = REPO.parent / "shared" / "policies" / "bcbsnc-imrt-extremity-sarcoma.txt"
EXAMPLES = sorted((REPO / "examples" / "cases").glob("bcbsnc-*.json"))

test_conformance = conformance_tests("bcbsnc-imrt-extremity-sarcoma", policy_text=DOCUMENT, examples=EXAMPLES)
