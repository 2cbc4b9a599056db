"""compare-plans: the summary table (CSV, Markdown, HTML) and the colour DVH comparison PNG."""

from __future__ import annotations

import argparse
import csv
import struct

import matplotlib.colors
import numpy as np
import pytest
from synthetic_dicom import write_rtdose, write_rtstruct

from coverage_sdk.errors import InputError
from coverage_sdk.dose.geometry import DoseGrid, Structure
from coverage_sdk_imrt_oar_proximity.compare_plans import (
    COLUMNS, FILES, PlanDose, RequestedConstraint, add_parser, compare_plans, dvh_figure, find_roi, summary_row,
)  # fmt: skip

PRISMS = {"Heart": (-30.0, 10.0), "Lt Lung": (-45.0, 5.0), "Breast": (-40.0, -15.0), "Tumor Bed": (-25.0, -18.0)}
COLOURS = {"Heart": (255, 128, 0), "Lt Lung": (128, 128, 255), "Breast": (255, 128, 128), "Tumor Bed": (255, 0, 0)}
CONSTRAINTS = [
    "Heart: Dmean < 26 Gy (QUANTEC)",
    "Lt Lung: V5Gy < 35 % (institutional)",
    "Breast: D2cc < 13 Gy (institutional)",
    "Tumor Bed: D0.03cc <= 14 Gy (institutional)",
    "Heart: Dmax < 3 Gy (institutional)",
]


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["compare-plans", *argv])
    return args.func(args)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Prisms along a dose rising linearly along x: ``3d`` at 0.5 Gy/mm, ``imrt`` 20 % less, and ``rtss``."""
    folder = tmp_path_factory.mktemp("plans")
    paths = {"3d": folder / "rtdose_3d.dcm", "imrt": folder / "rtdose_imrt.dcm", "rtss": folder / "rtss.dcm"}
    write_rtdose(paths["3d"], 0.5)
    write_rtdose(paths["imrt"], 0.4)
    write_rtstruct(paths["rtss"], PRISMS, COLOURS, {"Tumor Bed": "PTV"})
    return paths


def compare(tmp_path, files, imrt, constraints=CONSTRAINTS, imrt_label="IMRT"):
    argv = ["--plan", f"3D={files['3d']}", "--plan", f"{imrt_label}={imrt}", "--structures", str(files["rtss"])]
    for constraint in constraints:
        argv += ["--constraint", constraint]
    out = tmp_path / "out"
    assert run(*argv, "--out", str(out)) == 0
    with open(out / "summary.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[-2:-1] == [[]] and rows[-1][0].startswith("Plans: ")
    return out, rows[:-2]


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_one_dose_as_both_plans_gives_equal_values_and_no_yes(tmp_path, files, capsys):
    out, rows = compare(tmp_path, files, files["3d"])
    assert rows[0] == list(COLUMNS)
    assert [r[0] for r in rows[1:]] == ["Heart", "Lt Lung", "Breast", "Tumor Bed", "Heart"]
    for row in rows[1:]:
        assert row[3] == row[4]
        assert row[5] in ("No (both meet constraint)", "No (neither meets constraint)")
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert "| Heart | Dmean < 26 Gy | QUANTEC |" in (out / "summary.md").read_text()
    html = (out / "summary.html").read_text()
    assert "<caption><strong>Summary Analysis of 3D vs IMRT Planning</strong></caption>" in html
    assert html.count("<tr>") == 1 + len(CONSTRAINTS)
    assert _png_size(out / "dvh_comparison.png") == (1200, 650)
    printed = capsys.readouterr().out
    assert "wrote" in printed
    assert "3D: rtdose_3d.dcm; IMRT: rtdose_3d.dcm; structures: rtss.dcm" in printed
    assert "coverage-sdk " in html.split("Plans: ")[1]


def test_a_scaled_dose_lowers_every_value_and_only_imrt_meets(tmp_path, files):
    _, rows = compare(tmp_path, files, files["imrt"])
    by_organ = {r[0]: r for r in rows[1:5]}
    for organ in ("Heart", "Breast", "Tumor Bed"):
        value_3d, value_imrt = (float(by_organ[organ][i].split()[0]) for i in (3, 4))
        assert value_imrt == pytest.approx(0.8 * value_3d, rel=0.01, abs=0.02), organ
    assert by_organ["Breast"][5] == "Yes (only IMRT meets constraint)"
    assert by_organ["Tumor Bed"][5] == "Yes (only IMRT meets constraint)"
    assert by_organ["Heart"][5] == "No (both meet constraint)"


def test_the_figure_draws_each_roi_in_its_display_colour_3d_dashed_vmat_solid(files):
    plans = {"3D": PlanDose.read("3D", files["3d"], files["rtss"]), "IMRT": PlanDose.read("VMAT", files["imrt"], files["rtss"])}
    constraints = [RequestedConstraint.parse(c) for c in CONSTRAINTS[:3]]
    comparison = compare_plans(plans, constraints, {"IMRT": "VMAT"}, {"3D": ("a/rtdose_3d.dcm", "rtss.dcm")})
    figure = dvh_figure(comparison)
    axes = figure.axes[0]
    lines = [line for line in axes.get_lines() if not line.get_label().startswith("_")]
    limit_lines = [line for line in axes.get_lines() if line.get_label().startswith("_")]
    drawn = ["Tumor Bed", "Heart", "Lt Lung", "Breast"]
    labels = [f"{roi}{' (target)' if roi == 'Tumor Bed' else ''}, {plan}" for roi in drawn for plan in ("3D", "VMAT")]
    assert [line.get_label() for line in lines] == labels
    for line in lines:
        roi = line.get_label().split(",")[0].removesuffix(" (target)")
        assert matplotlib.colors.to_rgb(line.get_color()) == pytest.approx([c / 255 for c in COLOURS[roi]])
        assert line.get_linestyle() == ("--" if line.get_label().endswith("3D") else "-")
    assert len(axes.collections) == 2
    assert [line.get_xdata()[0] for line in limit_lines] == [26.0]
    assert any(t.get_text() == "Heart: Dmean < 26 Gy (QUANTEC)" for t in axes.texts)
    legend = figure.legends[0]
    figure.canvas.draw()
    assert not legend.get_window_extent().overlaps(axes.get_window_extent())
    assert "rtdose_3d.dcm" in " ".join(t.get_text() for t in figure.texts)
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("Dose (Gy)", "Volume (%)")


def test_vmat_is_accepted_as_the_imrt_plan(tmp_path, files):
    out, rows = compare(tmp_path, files, files["imrt"], imrt_label="VMAT")
    assert rows[0] == list(COLUMNS)
    assert "VMAT: rtdose_imrt.dcm" in (out / "summary.md").read_text()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--constraint", "Heart: Dmean is low (QUANTEC)"], "Dmean is low"),
        (["--constraint", "Heart Dmean < 26 Gy"], "ORGAN: METRIC OP NUMBER UNIT"),
        (["--constraint", "Spleen: Dmax < 10 Gy"], "no ROI for 'Spleen'"),
    ],
)
def test_bad_constraints_are_clear_errors_naming_them(tmp_path, files, argv, message):
    base = ["--plan", f"3D={files['3d']}", "--plan", f"IMRT={files['3d']}",
            "--structures", str(files["rtss"]), "--out", str(tmp_path)]  # fmt: skip
    with pytest.raises(InputError, match=message):
        run(*base, *argv)


def test_plans_must_be_one_3d_and_one_imrt(tmp_path, files):
    with pytest.raises(InputError, match="one 3D"):
        run("--plan", f"VMAT={files['3d']}", "--plan", f"arc={files['3d']}",
            "--structures", str(files["rtss"]), "--constraint", "Heart: Dmax < 5 Gy", "--out", str(tmp_path))  # fmt: skip


# --- exact values on a synthetic geometry ------------------------------------------------

AXIS = np.arange(-50.0, 50.0 + 1e-9, 2.0)


def _linear_dose(gy_per_mm: float) -> DoseGrid:
    x = AXIS[None, None, :] + np.zeros((AXIS.size, AXIS.size, 1))
    return DoseGrid(gy_per_mm * (x + 50.0), AXIS, AXIS, AXIS)


def _prism(name: str, x0: float, x1: float) -> Structure:
    square = np.array([(x0, -10.0), (x1, -10.0), (x1, 10.0), (x0, 10.0)])
    return Structure.from_contours(name, 1, [(z, square) for z in np.arange(-10.0, 10.0 + 1e-9, 2.0)])


@pytest.mark.parametrize(
    "constraint, exact_3d, exact_imrt, tolerance, conclusion",
    [  # prism x in [-30, 10] mm, 20 x 22 mm section (0.44 cc per mm); dose 0.5 (3D) or 0.4 (IMRT) Gy/mm * (x + 50)
        ("Heart: V15Gy < 60 % (institutional)", 75.0, 56.25, 2.5, "Yes (only IMRT meets constraint)"),
        ("Heart: V15Gy < 12 cc (institutional)", 13.2, 9.9, 0.44, "Yes (only IMRT meets constraint)"),
        ("Heart: Mean < 26 Gy (QUANTEC)", 20.0, 16.0, 0.5, "No (both meet constraint)"),
        ("Heart: D2cc < 25 Gy (institutional)", 27.73, 22.18, 0.5, "Yes (only IMRT meets constraint)"),
        ("Heart: D0.03cc <= 20 Gy (institutional)", 29.97, 23.97, 0.5, "No (neither meets constraint)"),
        ("Heart: Dmax > 25 Gy (institutional)", 30.0, 24.0, 0.5, "No (only 3D meets constraint)"),
    ],
)
def test_volume_mean_and_small_volume_constraints(constraint, exact_3d, exact_imrt, tolerance, conclusion):
    structures = {"HEART": _prism("HEART", -30.0, 10.0)}
    plans = {label: PlanDose(label, _linear_dose(slope), structures) for label, slope in (("3D", 0.5), ("IMRT", 0.4))}
    row = compare_plans(plans, [RequestedConstraint.parse(constraint)]).rows[0]
    assert row.value_3d == pytest.approx(exact_3d, abs=tolerance)
    assert row.value_imrt == pytest.approx(exact_imrt, abs=tolerance)
    assert row.conclusion == conclusion


def test_summary_row_leaves_unknown_what_depends_on_a_missing_value():
    assert summary_row("Cord", "Dmax < 45 Gy", "RTOG", 50.0, None).only_imrt_meets is None
    assert summary_row("Cord", "Dmax < 45 Gy", "RTOG", 40.0, None).only_imrt_meets is False
    assert summary_row("Cord", "Dmax < 45 Gy", "RTOG", None, 50.0).only_imrt_meets is False
    assert summary_row("Cord", "Dmax < 45 Gy", "RTOG", None, 40.0).conclusion is None


def test_find_roi():
    names = ["BrainStem", "Parotid_L", "Parotid_R", "Lt Lung", "Cord"]
    assert find_roi(names, "Brainstem") == "BrainStem"
    assert find_roi(names, "Brain Stem") == "BrainStem"
    assert find_roi(names, "Spinal cord") == "Cord"
    assert find_roi(names, "parotid l") == "Parotid_L"
    assert find_roi(names, "Parotid") is None  # two candidates: never guess
    assert find_roi(names, "Lung") is None
