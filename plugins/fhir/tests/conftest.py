"""Fixtures; and the helper module beside these tests (fhir_helpers) made importable under
pytest's importlib import mode, which the repository uses and which leaves sys.path alone."""

import sys
from pathlib import Path

import pytest
from coverage_sdk_fhir import PayerMap
from coverage_sdk_fhir._core import PluginHost

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def host() -> PluginHost:
    return PluginHost.create()


@pytest.fixture(scope="session")
def payer_map() -> PayerMap:
    return PayerMap.load(HERE / "data" / "payer-map.json")
