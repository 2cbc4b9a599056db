"""The SDK's conformance suite (coverage_sdk.testing) on this policy, its document and its example cases."""

from importlib.resources import files

from coverage_sdk.testing import conformance_tests

DATA = files("coverage_sdk_bcbsnc_imrt_extremity_sarcoma") / "data"
DOCUMENT = DATA / "bcbsnc-imrt-extremity-sarcoma.txt"
EXAMPLES = sorted((DATA / "examples").glob("*.json"))

test_conformance = conformance_tests("bcbsnc-imrt-extremity-sarcoma", policy_text=DOCUMENT, examples=EXAMPLES)
