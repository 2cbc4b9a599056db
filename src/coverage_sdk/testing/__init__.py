"""The conformance suite a policy plugin runs from its own tests (docs/writing-a-plugin.md).

One line in the plugin's ``tests/test_conformance.py``::

    from coverage_sdk.testing import conformance_tests

    test_conformance = conformance_tests("acme-iort", policy_text=DOCUMENT, examples=EXAMPLE_PATHS)

It becomes one test per check (``test_conformance[entry_point]``, ...). ``python -m
coverage_sdk.testing.alone ID...`` asserts that exactly those policies are installed.
"""

from coverage_sdk.testing.conformance import CHECKS, Conformance, ConformanceFailure, conformance_tests, normalise

__all__ = ["CHECKS", "Conformance", "ConformanceFailure", "conformance_tests", "normalise"]
