"""Metric keys read and spelled in one place (coverage_sdk.dose.metrics), as the DVH and the constraints use them."""

from __future__ import annotations

import pytest

from coverage_sdk.dose.constraints import parse_constraint
from coverage_sdk.dose.metrics import Kind, canonical, metric
from coverage_sdk.errors import InputError


@pytest.mark.parametrize(
    "text, name, unit",
    [
        ("Dmax", "Dmax", "Gy"), ("max", "Dmax", "Gy"), (" MEAN ", "Dmean", "Gy"), ("Min", "Dmin", "Gy"),
        ("d95", "D95", "Gy"), ("D95.0", "D95", "Gy"), ("D2CC", "D2cc", "Gy"), ("D.03cc", "D0.03cc", "Gy"),
        ("v20gy", "V20Gy", "%"), ("V20 Gy", "V20Gy", "%"), ("V20Gy_CC", "V20Gy_cc", "cc"),
        ("Bone_Circumference_pct_ge_40Gy", "bone_circumference_pct_ge_40gy", "%"), ("joint_pct_ge_35gy", "joint_pct_ge_35gy", "%"),
    ],
)  # fmt: skip
def test_every_spelling_reads_as_the_spec_s_key(text, name, unit):
    assert (metric(text).name, metric(text).unit, canonical(text)) == (name, unit, name)


@pytest.mark.parametrize("text", ["X95", "V20", "D20Gy", "D101", "", "Dmax < 5"])
def test_anything_else_is_an_input_error_naming_the_keys(text):
    with pytest.raises(InputError, match="metric"):
        metric(text)
    assert canonical(text) is None


def test_constraints_and_dvh_statistics_read_metrics_alike():
    assert parse_constraint("max < 54 Gy").metric == "Dmax"
    assert parse_constraint("v20gy < 12 cc").metric == "V20Gy_cc"
    assert metric(parse_constraint("D0.03cc <= 55 Gy").metric).kind is Kind.DOSE_TO_CC
    with pytest.raises(InputError, match="not a dose-volume metric"):
        parse_constraint("bone_circumference_pct_ge_40gy < 50 %")
