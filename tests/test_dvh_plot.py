"""The DVH comparison a physicist expects, on the breast example against a scaled copy of its dose."""

from __future__ import annotations

import pydicom
import pytest
from repo_paths import SHARED

from coverage_sdk.cli import main
from coverage_sdk.dose.dicom import read_rtstruct
from coverage_sdk.dose.plan_values import PlanDose
from coverage_sdk.render.dvh_plot import Limit, PlottedPlan, dvh_figure, target_roi, technique_of
from optional import optional

matplotlib = optional("matplotlib", "pip install 'coverage-sdk[plots]'")
BREAST = SHARED / "data" / "dicom" / "breast-example"
LIMITS = [Limit("Heart", "Dmean < 4 Gy", "QUANTEC"), Limit("Lt Lung", "V5Gy < 35 %", "institutional"), Limit("Heart", "Dmax < 20 Gy")]


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    """The breast RT Dose with every dose 80 %."""
    ds = pydicom.dcmread(BREAST / "rtdose.dcm")
    ds.DoseGridScaling = float(ds.DoseGridScaling) * 0.8
    path = tmp_path_factory.mktemp("vmat") / "rtdose-vmat.dcm"
    ds.save_as(path)
    return path


def test_labels_3d_and_vmat_or_arc_are_told_apart():
    assert [technique_of(x) for x in ("3D", "3DCRT", "3D-CRT opposed obliques", "IMRT 7-field", "VMAT", "2 arcs", "protons")] == [
        "3dcrt", "3dcrt", "3dcrt", "imrt", "imrt", "imrt", None,
    ]  # fmt: skip


def test_each_roi_in_its_rtstruct_colour_target_shown_3d_dashed(scaled):
    structures = read_rtstruct(BREAST / "rtss.dcm")
    assert target_roi(structures) == "Tumor Bed"
    plans = [
        PlottedPlan("3D", "3dcrt", PlanDose.read("3D", BREAST / "rtdose.dcm", BREAST / "rtss.dcm"), (str(BREAST / "rtdose.dcm"), "rtss.dcm")),
        PlottedPlan("VMAT", "imrt", PlanDose.read("VMAT", scaled, BREAST / "rtss.dcm"), (str(scaled), "rtss.dcm")),
    ]
    figure = dvh_figure(plans, ["Heart", "Lt Lung", "Tumor Bed"], LIMITS)
    axes = figure.axes[0]
    curves = [line for line in axes.get_lines() if not line.get_label().startswith("_")]
    assert len(curves) == 6
    ds = pydicom.dcmread(BREAST / "rtss.dcm")
    names = {int(item.ROINumber): item.ROIName for item in ds.StructureSetROISequence}
    display = {names[int(item.ReferencedROINumber)]: [int(v) for v in item.ROIDisplayColor] for item in ds.ROIContourSequence}
    for line in curves:
        roi = line.get_label().rsplit(",", 1)[0].removesuffix(" (target)")
        assert list(structures[roi].colour) == display[roi]
        expected = [c / 255 for c in display[roi]]
        assert matplotlib.colors.to_rgb(line.get_color()) == pytest.approx(expected), roi
        assert line.get_linestyle() == ("--" if line.get_label().endswith(", 3D") else "-")
    assert curves[0].get_label() == "Tumor Bed (target), 3D"
    assert sorted(line.get_xdata()[0] for line in axes.get_lines() if line.get_label().startswith("_")) == [4.0, 20.0]
    assert len(axes.collections) == 1
    figure.canvas.draw()
    assert not figure.legends[0].get_window_extent().overlaps(axes.get_window_extent())
    footer = " ".join(t.get_text() for t in figure.texts)
    assert "3D: rtdose.dcm; VMAT: rtdose-vmat.dcm; structures: rtss.dcm" in footer and "coverage-sdk" in footer


def test_compare_plans_3d_against_vmat_writes_the_png(scaled, tmp_path, capsys):
    optional("coverage_sdk_imrt_oar_proximity", "pip install ./plugins/imrt-oar-proximity")
    out = tmp_path / "out"
    status = main([
        "compare-plans", "--plan", f"3D={BREAST / 'rtdose.dcm'}", "--plan", f"VMAT={scaled}",
        "--structures", str(BREAST / "rtss.dcm"), "--constraint", "Heart: Dmean < 4 Gy (QUANTEC)",
        "--constraint", "Lt Lung: V5Gy < 35 % (institutional)", "--out", str(out),
    ])  # fmt: skip
    assert status == 0
    assert (out / "dvh_comparison.png").read_bytes()[:4] == b"\x89PNG"
    assert "VMAT: rtdose-vmat.dcm" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["report", "compare-plans"])
def test_without_matplotlib_the_command_names_the_extra_and_exits_2(command, scaled, tmp_path, monkeypatch, capsys):
    from repo_paths import EXAMPLES

    if command == "compare-plans":
        optional("coverage_sdk_imrt_oar_proximity", "pip install ./plugins/imrt-oar-proximity")
        argv = ["compare-plans", "--plan", f"3D={BREAST / 'rtdose.dcm'}", "--plan", f"VMAT={scaled}",
                "--structures", str(BREAST / "rtss.dcm"), "--constraint", "Heart: Dmean < 4 Gy", "--out", str(tmp_path)]  # fmt: skip
    else:
        optional("coverage_sdk_bcbsnc_imrt_extremity_sarcoma", "pip install ./plugins/bcbsnc-imrt-extremity-sarcoma")
        argv = ["report", str(EXAMPLES / "bcbsnc-femur-phantom-dicom.json"), "--out", str(tmp_path)]
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "pip install 'coverage-sdk[plots]'" in captured.err and "Traceback" not in captured.err
    assert not list(tmp_path.iterdir())
