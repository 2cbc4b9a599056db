"""A policy-only host pays for what it uses: deciding submitted metrics imports no DICOM, plotting or dose kernel."""

from __future__ import annotations

import json
import subprocess
import sys

from repo_paths import EXAMPLES

PROBE = """
import json, sys
import coverage_sdk as cs
for path in sys.argv[1:]:
    cs.evaluate(cs.load_case(path))
heavy = sorted(
    name for name in sys.modules
    if name.split(".")[0] in ("pydicom", "matplotlib")
    or name in ("coverage_sdk._dvh", "coverage_sdk._raster", "coverage_sdk._circumference", "coverage_sdk._dsparse", "coverage_sdk._pixels",
                "coverage_sdk._stack")
    or name.startswith("coverage_sdk._fallback")
)
print(json.dumps(heavy))
"""


def test_metric_only_cases_import_no_dicom_plotting_or_kernel():
    cases = [p for p in sorted(EXAMPLES.glob("*.json")) if '"dicom"' not in p.read_text()]
    assert any("bcbsnc" in p.name for p in cases) and any("imrt" in p.name for p in cases)
    run = subprocess.run([sys.executable, "-c", PROBE, *map(str, cases)], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == []
