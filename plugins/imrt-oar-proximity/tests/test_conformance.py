"""The SDK's conformance suite on this plugin, every check."""

from importlib.resources import files

from coverage_sdk.testing import conformance_tests

DATA = files("coverage_sdk_imrt_oar_proximity") / "data"

test_conformance = conformance_tests(
    "imrt-oar-proximity",
    policy_text=DATA / "imrt-oar-proximity.txt",
    examples=sorted((DATA / "examples").glob("*.json")),
)
