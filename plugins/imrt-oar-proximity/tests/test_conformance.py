"""The SDK's conformance suite on this plugin, every check."""

from pathlib import Path

from coverage_sdk.testing import conformance_tests

REPO = Path(__file__).resolve().parents[3]

test_conformance = conformance_tests(
    "imrt-oar-proximity",
    policy_text=REPO.parent / "shared" / "policies" / "imrt-organs-at-risk.txt",
    examples=sorted((REPO / "examples" / "cases").glob("imrt-*.json")),
)
