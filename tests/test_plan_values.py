"""coverage_sdk.dose.plan_values: a plan's value from DICOM or submitted, and the spec's disagreement rule."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from repo_paths import EXAMPLES

import coverage_sdk as cs
from coverage_sdk.dose import plan_values
from coverage_sdk.dose.plan_values import PlanValue, disagrees, find_roi


@pytest.mark.parametrize(
    ("computed", "submitted", "percent", "flagged"),
    [
        (41.1, 40.1, True, False),  # exactly 1 point: not larger
        (41.2, 40.1, True, True),
        (30.0, 31.5, True, True),
        (50.0, 50.5, False, False),  # 1 % of 50 Gy is 0.5 Gy
        (50.0, 50.51, False, True),
        (0.0, 0.0, False, False),
    ],
)
def test_disagreement_is_one_point_or_one_percent_of_the_dose(computed, submitted, percent, flagged):
    assert disagrees(computed, submitted, percent=percent) is flagged


def test_the_computed_value_decides_and_both_are_reported():
    both = PlanValue("3D", "V20Gy", computed=33.0, submitted=31.5)
    assert (both.value, both.source, both.difference, both.disagrees) == (33.0, "computed from DICOM", 1.5, True)
    submitted = PlanValue("3D", "Dmax", submitted=54.0, percent=False)
    assert (submitted.value, submitted.source, submitted.difference, submitted.disagrees) == (54.0, "submitted", None, False)
    assert PlanValue("3D", "Dmax").value is None and PlanValue("3D", "Dmax").source is None


def test_submitted_values_are_found_by_organ_and_metric_alias():
    plan = cs.structure_case({
        "case_id": "t", "date_of_service": "2025-01-01", "procedures": [{"code": "77301"}],
        "radiation": {"plans": [{"label": "3D", "technique": "3dcrt", "metrics": {"Brain Stem": {"Max": 52.0, "v20gy": 10.0}}}]},
    }).radiation.plans[0]  # fmt: skip
    assert plan_values.submitted(plan, "Brainstem", "Dmax") == 52.0
    assert plan_values.submitted(plan, "BrainStem", "V20Gy") == 10.0
    assert plan_values.submitted(plan, "Heart", "Dmax") is None
    assert find_roi(["Lung_L", "Heart"], "heart") == "Heart"


def test_deciding_submitted_metrics_imports_no_dose_engine():
    cases = [str(EXAMPLES / name) for name in ("bcbsnc-femur-sparing-met.json", "imrt-lung-both-plans-meet.json")]
    script = (
        "import json, sys\n"
        "import coverage_sdk as cs\n"
        f"for path in {cases!r}:\n"
        "    cs.evaluate(cs.load_case(path))\n"
        "heavy = ('pydicom', 'matplotlib', 'coverage_sdk.dose.dicom', 'coverage_sdk.dose.dvh', 'coverage_sdk.dose.circumference',\n"
        "         'coverage_sdk._dvh', 'coverage_sdk._raster', 'coverage_sdk._circumference', 'coverage_sdk._fallback')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
