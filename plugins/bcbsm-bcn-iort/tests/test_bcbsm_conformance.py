"""The SDK's conformance suite, run on this plugin with its document and example cases."""

from importlib.resources import files

from coverage_sdk.testing import conformance_tests

DATA = files("coverage_sdk_bcbsm_bcn_iort") / "data"

test_conformance = conformance_tests(
    "bcbsm-bcn-iort",
    policy_text=DATA / "bcbsm-bcn-iort.txt",
    examples=sorted((DATA / "examples").glob("*.json")),
)
