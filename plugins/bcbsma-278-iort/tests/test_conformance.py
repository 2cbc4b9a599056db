"""The coverage_sdk conformance suite, run on Policy 278."""

from importlib.resources import files

from coverage_sdk.testing import conformance_tests

DATA = files("coverage_sdk_bcbsma_278_iort") / "data"

test_conformance = conformance_tests(
    "bcbsma-278-iort",
    policy_text=DATA / "bcbsma-278-iort.txt",
    examples=sorted((DATA / "examples").glob("*.json")),
)
