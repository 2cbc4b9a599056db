"""The coverage_sdk conformance suite, run on Evolent CG_226."""

from importlib.resources import files

from coverage_sdk.testing import conformance_tests

DATA = files("coverage_sdk_evolent_cg226_iort") / "data"

test_conformance = conformance_tests(
    "evolent-cg226-iort",
    policy_text=DATA / "evolent-cg226-iort.txt",
    examples=sorted((DATA / "examples").glob("*.json")),
)
