"""ext/_circumference.pyx, compiled: the signatures of its numpy twin (the wheel env checks them with stubtest)."""

from coverage_sdk._fallback.circumference import cortex_points as cortex_points, plane_fractions as plane_fractions
