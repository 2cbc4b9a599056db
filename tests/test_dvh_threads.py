"""Threads of the dose engine (issue 17): how many, how they wait, and results that do not
depend on them."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from compiled import compiled_kernel
from repo_paths import SHARED

from coverage_sdk import _kernels
from coverage_sdk.dose import dvh as dvh_module
from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct
from coverage_sdk.dose.geometry import DoseGrid, Structure

BREAST = SHARED / "data" / "dicom" / "breast-example"


def _same(a, b):
    return (np.array_equal(a.cumulative_cc, b.cumulative_cc) and np.array_equal(a.dose_edges, b.dose_edges)
            and (a.volume_cc, a.volume_outside_cc, a.min, a.max, a.mean)
            == (b.volume_cc, b.volume_outside_cc, b.min, b.max, b.mean))


@pytest.fixture
def compiled(monkeypatch):
    """The compiled kernels, threaded for every structure however small."""
    kernels = {"_raster": compiled_kernel("_raster"), "_dvh": compiled_kernel("_dvh")}
    monkeypatch.setattr(dvh_module, "kernel", kernels.__getitem__)
    monkeypatch.setattr(dvh_module, "SERIAL_CELLS", 0)


def test_breast_dvhs_are_bit_identical_for_1_2_and_8_threads(compiled):
    dose, structures = read_rtdose(BREAST / "rtdose.dcm"), read_rtstruct(BREAST / "rtss.dcm")
    for name, structure in structures.items():
        if structure.is_empty:
            continue
        one = dvh_module.compute_dvh(dose, structure, threads=1)
        for threads in (2, 8, 2, 8):
            assert _same(dvh_module.compute_dvh(dose, structure, threads=threads), one), (name, threads)


def test_subdivided_interior_cells_are_bit_identical_for_any_thread_count(compiled):
    axis, z = np.arange(30.0), np.arange(120.0)
    dose = np.sin(axis[None, None, :] / 3) + 0.3 * axis[None, :, None] + 0.1 * z[:, None, None] + 2
    grid = DoseGrid(np.ascontiguousarray(np.broadcast_to(dose, (z.size, 30, 30))), axis, axis, z)
    angle = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    ring = np.c_[14.3 + 6 * np.cos(angle), 14.6 + 6 * np.sin(angle)]
    roi = Structure.from_contours("cylinder", 1, [(level, ring) for level in np.arange(5, 110, 0.5)])
    assert dvh_module._sampling(*np.ptp(roi.points, axis=0), 1.0, 1.0)[1] > 1
    one = dvh_module.compute_dvh(grid, roi, threads=1)
    for threads in (2, 3, 8) * 3:
        assert _same(dvh_module.compute_dvh(grid, roi, threads=threads), one), threads


def test_threads_variable_sets_the_default(monkeypatch):
    monkeypatch.setenv("COVERAGE_SDK_THREADS", "3")
    assert _kernels.default_threads() == 3
    for bad in ("0", "many", "257"):
        monkeypatch.setenv("COVERAGE_SDK_THREADS", bad)
        with pytest.raises(ValueError, match="COVERAGE_SDK_THREADS"):
            _kernels.default_threads()
    monkeypatch.delenv("COVERAGE_SDK_THREADS")
    assert _kernels.default_threads() == _kernels.available_cpus()


def test_available_cpus_follow_affinity_and_cgroup_quota(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5}, raising=False)
    monkeypatch.setattr(_kernels, "cgroup_cpus", lambda: None)
    assert _kernels.available_cpus() == 6
    monkeypatch.setattr(_kernels, "cgroup_cpus", lambda: 1.5)
    assert _kernels.available_cpus() == 2
    monkeypatch.setattr(_kernels, "cgroup_cpus", lambda: 0.2)
    assert _kernels.available_cpus() == 1


@pytest.mark.parametrize(
    ("cgroup", "files", "cpus"),
    [
        ("0::/job\n", {"sys/fs/cgroup/job/cpu.max": "150000 100000\n"}, 1.5),
        ("0::/job\n", {"sys/fs/cgroup/job/cpu.max": "max 100000\n"}, None),
        ("4:memory:/x\n2:cpu,cpuacct:/job\n", {"sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us": "300000\n",
                                                 "sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_period_us": "100000\n"}, 3.0),
        ("2:cpu,cpuacct:/job\n", {"sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us": "-1\n",
                                   "sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_period_us": "100000\n"}, None),
        ("0::/gone\n", {}, None),
    ],
)
def test_cgroup_quota_v1_and_v2(tmp_path, cgroup, files, cpus):
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/self/cgroup").write_text(cgroup)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert _kernels.cgroup_cpus(tmp_path) == cpus


def test_threads_wait_passively_unless_the_host_chose():
    code = "import os; from coverage_sdk._kernels import kernel; kernel('_dvh'); print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "COVERAGE_SDK_PUREPYTHON")}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "passive"
    env["OMP_WAIT_POLICY"] = "active"
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "active"
