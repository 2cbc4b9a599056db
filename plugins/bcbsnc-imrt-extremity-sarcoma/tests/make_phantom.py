"""Writes a femur-and-knee phantom: one RT Structure Set and the RT Dose of a 3D and an IMRT plan.

The femur is a cylinder along z (outer radius 12 mm, a 6 mm medullary canal as a hole) on
axial planes 3 mm apart; the knee joint space a solid cylinder of radius 20 mm below it. Each
plan's dose rises linearly along x, D = a + b·x (Gy, x in mm), so the truth is the closed form
of shared/spec/bone-circumference.md: the femur's fraction at >= t Gy is acos(x0 / r) / pi with
r = R - depth and x0 = (t - a) / b, and the knee's V35Gy is the share of the disc with x >= x0.
Each plan's 35 Gy isodose lies on a boundary between dose-grid cells (x = -16.25 and -8.75 mm),
where the DVH engine's voxel-centre rule for whole cells is exact, so V35Gy can be checked
against its closed form too.

    python tests/make_phantom.py [DIRECTORY]

writes rtstruct.dcm, rtdose-3dcrt.dcm and rtdose-imrt.dcm (default: the package's
data/examples/phantom, the files its example bcbsnc-femur-phantom-dicom.json refers to). The output is
byte-for-byte reproducible: UIDs derive from the content.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import attrs
import numpy as np

from coverage_sdk.testing import dicom

VERTICES = 128


@attrs.frozen
class Phantom:
    """Geometry (mm) and the two plans' dose fields ``a + b·x`` (Gy)."""

    femur_radius: float = 12.0
    canal_radius: float = 6.0
    femur_z: tuple[float, ...] = tuple(30.0 + 3.0 * k for k in range(11))
    knee_radius: float = 20.0
    knee_z: tuple[float, ...] = tuple(6.0 + 3.0 * k for k in range(7))
    grid_xy: tuple[float, float, float] = (-40.0, 40.0, 2.5)
    grid_z: tuple[float, float, float] = (0.0, 66.0, 3.0)
    gradient: float = 0.5
    offsets: tuple[tuple[str, float], ...] = (("3dcrt", 43.125), ("imrt", 39.375))

    def bone_truth_pct(self, offset: float, threshold: float = 40.0, depth: float = 2.0) -> float:
        """The spec's closed form for the femur: acos(x0 / r) / pi, in percent."""
        r = self.femur_radius - depth
        x0 = min(max((threshold - offset) / self.gradient, -r), r)
        return 100.0 * math.acos(x0 / r) / math.pi

    def joint_truth_pct(self, offset: float, threshold: float = 35.0) -> float:
        """V35Gy of the knee cylinder: the share of its disc with x >= x0, in percent."""
        c = min(max((threshold - offset) / self.gradient / self.knee_radius, -1.0), 1.0)
        return 100.0 * (math.acos(c) - c * math.sqrt(1.0 - c * c)) / math.pi


PATIENT = ("Phantom^Femur", "PHANTOM-FEMUR")


def _axis(start: float, stop: float, step: float) -> np.ndarray:
    return start + step * np.arange(int(round((stop - start) / step)) + 1)


def rtdose(phantom: Phantom, offset: float, path: Path) -> bytes:
    """The plan's dose a + b·x on the phantom's grid, head-first supine, 32-bit with 1e-5 Gy steps."""
    x = y = _axis(*phantom.grid_xy)
    z = _axis(*phantom.grid_z)
    dose = np.broadcast_to(offset + phantom.gradient * x, (z.size, y.size, x.size))
    return dicom.rtdose(dose, x, y, z, path=path, scaling=1e-5, patient=PATIENT)


def _circle(radius: float, z: float) -> np.ndarray:
    t = 2.0 * math.pi * np.arange(VERTICES) / VERTICES
    return np.column_stack((radius * np.cos(t), radius * np.sin(t), np.full(VERTICES, z)))


def rtstruct(phantom: Phantom, path: Path) -> bytes:
    """ROI 1 ``Femur_L`` (outer contour and canal on each plane), ROI 2 ``Knee_L``; contours to 0.001 mm."""
    femur = [c for z in phantom.femur_z for c in (_circle(phantom.femur_radius, z), _circle(phantom.canal_radius, z))]
    knee = [_circle(phantom.knee_radius, z) for z in phantom.knee_z]
    rois = [dicom.ROI(1, "Femur_L", femur, colour=(230, 180, 60)), dicom.ROI(2, "Knee_L", knee, colour=(0, 130, 220))]
    return dicom.rtstruct(rois, path=path, decimals=3, patient=PATIENT)


def write(directory: str | Path, phantom: Phantom = Phantom()) -> dict[str, Path]:
    """Write the three files into ``directory``; returns their paths by name."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"rtstruct": directory / "rtstruct.dcm"}
    rtstruct(phantom, paths["rtstruct"])
    for plan, offset in phantom.offsets:
        paths[plan] = directory / f"rtdose-{plan}.dcm"
        rtdose(phantom, offset, paths[plan])
    return paths


if __name__ == "__main__":
    package = Path(__file__).resolve().parents[1] / "src" / "coverage_sdk_bcbsnc_imrt_extremity_sarcoma"
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else package / "data" / "examples" / "phantom"
    for name, path in write(target).items():
        print(f"{name}: {path} ({path.stat().st_size} bytes)")
