"""Cases for the BCBSNC extremity-sarcoma IMRT policy, and the DICOM phantom of make_phantom.py."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import attrs
import pytest

from coverage_sdk import structure_case
from coverage_sdk.policy.model import Audit, Determination
from coverage_sdk.testing.fixtures import cli, python_cli
from coverage_sdk_bcbsnc_imrt_extremity_sarcoma import POLICY

HERE = Path(__file__).resolve().parent
AUDIT = Audit("test", "coverage-sdk-bcbsnc-imrt-extremity-sarcoma", "test", "0" * 64, "2025-01-01T00:00:00+00:00")

BASE = {
    "case_id": "nc-sarcoma",
    "date_of_service": "2024-06-03",
    "procedures": [{"code": "77301"}, {"code": "77338"}, {"code": "77386", "units": 25}],
    "tumor": {"site": "soft_tissue_sarcoma", "location": "extremity_lower"},
}


def _make_case(bone=(0.0, 0.0), joint=(0.0, 0.0), *, bone_kind="femur", joint_kind="knee", **fields) -> dict:
    """A case whose 3D and IMRT plans submit ``(3D, IMRT)`` for the bone and the joint.

    ``None`` for ``bone`` or ``joint`` leaves that structure out; by default both are given and
    neither pathway is met, so one pathway can be tested alone.
    """
    data = copy.deepcopy(BASE)
    structures, metrics = {}, ({}, {})
    for role, kind, values, roi, key in (
        ("bone", bone_kind, bone, "Femur_L", "bone_circumference_pct_ge_40gy"),
        ("joint", joint_kind, joint, "Knee_L", "joint_pct_ge_35gy"),
    ):
        if values is None:
            continue
        structures[role], structures[f"{role}_kind"] = roi, kind
        for plan_metrics, value in zip(metrics, values):
            if value is not None:
                plan_metrics[roi] = {key: value}
    data["radiation"] = {
        "structures": structures,
        "plans": [
            {"label": "3D-CRT", "technique": "3dcrt", "metrics": metrics[0]},
            {"label": "IMRT", "technique": "imrt", "metrics": metrics[1]},
        ],
    }
    data.update(fields)
    return data


def _decide(data: dict, base_dir: str | None = None) -> Determination:
    case = structure_case(data)
    if base_dir is not None:
        case = attrs.evolve(case, base_dir=base_dir)
    return POLICY.evaluate(case, AUDIT)


@pytest.fixture(scope="session")
def make_case():
    return _make_case


@pytest.fixture(scope="session")
def decide():
    """``decide(case_dict, base_dir=None)``: the policy's determination (fixed audit)."""
    return _decide


@pytest.fixture(scope="session")
def trail():
    """The criteria trail of a determination by criterion id."""
    return lambda det: {c.id: c for c in det.criteria}


def _load_make_phantom():
    spec = importlib.util.spec_from_file_location("make_phantom", HERE / "make_phantom.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def make_phantom():
    """The module make_phantom.py beside these tests."""
    return _load_make_phantom()


@pytest.fixture(scope="session")
def phantom_dir(tmp_path_factory, make_phantom) -> Path:
    """The phantom's three DICOM files, written afresh by make_phantom.py."""
    directory = tmp_path_factory.mktemp("phantom")
    make_phantom.write(directory)
    return directory
