"""``coverage-sdk circumference`` on a cylindrical bone phantom written as DICOM, against the
closed form of shared/spec/bone-circumference.md: fraction = acos(x0 / r) / pi."""

from __future__ import annotations

import json
import math
import subprocess

import numpy as np
import pytest

from coverage_sdk.testing import dicom

RADIUS, CANAL = 12.0, 5.0
PLANES = (-6.0, -3.0, 0.0, 3.0, 6.0)
OFFSET, GRADIENT = 41.0, 0.75  # D = 41 Gy + 0.75 Gy/mm * x


def truth_pct(threshold: float, depth: float) -> float:
    r = RADIUS - depth
    x0 = min(max((threshold - OFFSET) / GRADIENT, -r), r)
    return 100.0 * math.acos(x0 / r) / math.pi


def _contour(radius: float, z: float) -> np.ndarray:
    t = 2 * math.pi * np.arange(180) / 180
    return np.column_stack((radius * np.cos(t), radius * np.sin(t), np.full(t.size, z)))


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    """(rtdose path, rtstruct path): a femur with its canal on five planes, a linear dose along x."""
    directory = tmp_path_factory.mktemp("circumference")
    x = y = np.arange(-30.0, 30.01, 2.0)
    z = np.arange(-9.0, 9.01, 3.0)
    paths = directory / "rtdose.dcm", directory / "rtstruct.dcm"
    dicom.rtdose(np.broadcast_to(OFFSET + GRADIENT * x, (z.size, y.size, x.size)), x, y, z, path=paths[0])
    femur = [c for p in PLANES for c in (_contour(RADIUS, p), _contour(CANAL, p))]
    dicom.rtstruct([dicom.ROI(1, "Femur_L", femur)], path=paths[1], decimals=4)
    return tuple(str(p) for p in paths)


def args(phantom, *extra: str) -> list[str]:
    return ["circumference", "--dose", phantom[0], "--structures", phantom[1], "--roi", "Femur_L", *extra]


def test_text_report_gives_the_closed_form(cli, phantom):
    code, out, err = cli(*args(phantom))
    assert (code, err) == (0, "")
    first = out.splitlines()[0]
    assert first.startswith("Femur_L: ")
    shown = float(first.split(": ", 1)[1].split(" %", 1)[0])
    assert shown == pytest.approx(truth_pct(40.0, 2.0), abs=1.0)
    assert sum(line.strip().startswith(f"{p:.2f}") for line in out.splitlines() for p in PLANES) == len(PLANES)


@pytest.mark.parametrize(("threshold", "depth"), [(40.0, 2.0), (45.0, 2.0), (35.5, 3.5), (48.0, 0.0)])
def test_json_report_follows_threshold_and_depth(cli, phantom, threshold, depth):
    code, out, _ = cli(*args(phantom, "--threshold", str(threshold), "--depth", str(depth), "--format", "json"))
    assert code == 0
    report = json.loads(out)
    expected = truth_pct(threshold, depth)
    assert report["max_fraction_pct"] == pytest.approx(expected, abs=1.0)
    assert report["plane_z"] == list(PLANES)
    assert report["plane_fraction_pct"] == pytest.approx([expected] * len(PLANES), abs=1.0)
    assert (report["threshold_gy"], report["depth_mm"], report["points_outside_grid"]) == (threshold, depth, 0)
    assert report["length_ge_25pct_cm"] == pytest.approx(0.3 * len(PLANES) if expected >= 25 else 0.0)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--roi", "Tibia_L"), "no ROI named 'Tibia_L'"),
        (("--threshold", "-5"), "threshold_gy must be positive"),
        (("--threshold", "nan"), "threshold_gy must be a finite number"),
        (("--depth", "-1"), "depth_mm must be >= 0"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(cli, phantom, extra, message):
    code, out, err = cli(*args(phantom), *extra)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_files_of_the_wrong_kind_exit_2_naming_the_file(cli, phantom, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM")
    for dose, structures, named in ((str(text), phantom[1], str(text)), (phantom[0], phantom[0], phantom[0])):
        code, _, err = cli("circumference", "--dose", dose, "--structures", structures, "--roi", "Femur_L")
        assert code == 2
        assert err.startswith(f"error: {named}")


def test_missing_options_are_usage_errors(cli, phantom):
    with pytest.raises(SystemExit) as exit_:
        cli("circumference", "--dose", phantom[0], "--roi", "Femur_L")
    assert exit_.value.code == 2


def test_the_installed_command_prints_no_traceback(python_cli, phantom):
    done = subprocess.run([*python_cli, *args(phantom, "--roi", "Nope")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {phantom[1]}: (3006,0026) ROIName: no ROI named 'Nope'")
    assert "Traceback" not in done.stderr
