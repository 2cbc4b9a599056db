"""RT Dose and RT Structure Set files for the tests, with values known exactly.

The dose rises linearly along x, ``gy_per_mm * (x + 50)`` Gy, on a 2 mm grid covering
x, y, z in [-50, 50] mm. ROIs are square prisms along x: ``x0..x1``, y in [-10, 10], contours
on the planes z = -10, -8, ..., 10 (so they reach z = +-11 mm). In a prism the dose is uniform
across y and z, so every DVH statistic follows from the x extent alone.
"""

from __future__ import annotations

import numpy as np

from coverage_sdk.testing.dicom import ROI, rtdose, rtstruct

AXIS = np.arange(-50.0, 50.0 + 1e-9, 2.0)
PLANES = np.arange(-10.0, 10.0 + 1e-9, 2.0)
HEIGHT_MM, WIDTH_MM = 22.0, 20.0


def write_rtdose(path, gy_per_mm: float) -> None:
    dose = np.broadcast_to(gy_per_mm * (AXIS + 50.0), (AXIS.size, AXIS.size, AXIS.size))
    rtdose(dose, AXIS, AXIS, AXIS, path=path, scaling=1e-4)


def write_rtstruct(path, prisms: dict[str, tuple[float, float]], colours=None, types=None) -> None:
    """``prisms``: ROI name -> (x0, x1) in mm; ``colours`` and ``types``: display colour and
    interpreted type by ROI name (red ORGAN otherwise)."""
    rois = []
    for number, (name, (x0, x1)) in enumerate(prisms.items(), start=1):
        square = [(x0, -10.0), (x1, -10.0), (x1, 10.0), (x0, 10.0)]
        contours = [[(px, py, z) for px, py in square] for z in PLANES]
        rois.append(ROI(number, name, contours, (colours or {}).get(name, (255, 0, 0)), (types or {}).get(name, "ORGAN")))
    rtstruct(rois, path=path)


def prism_statistics(x0: float, x1: float, gy_per_mm: float) -> dict[str, float]:
    """The exact DVH statistics of a prism ``x0..x1`` in the linear dose."""
    dose = lambda x: gy_per_mm * (x + 50.0)  # noqa: E731
    cc_per_mm = WIDTH_MM * HEIGHT_MM / 1000.0
    volume = (x1 - x0) * cc_per_mm

    def hottest(cc: float) -> float:
        return dose(x1 - cc / cc_per_mm)

    def v_percent(gy: float) -> float:
        x = gy / gy_per_mm - 50.0
        return 100.0 * float(np.clip((x1 - x) / (x1 - x0), 0.0, 1.0))

    return {
        "volume_cc": volume, "Dmax": dose(x1), "Dmean": dose((x0 + x1) / 2), "D2cc": hottest(2.0),
        "D0.03cc": hottest(0.03), "V15Gy": v_percent(15.0), "V15Gy_cc": v_percent(15.0) * volume / 100.0,
    }  # fmt: skip
