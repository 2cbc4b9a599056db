"""ext/_pixels.pyx, compiled: the signatures of its numpy twin (the wheel env checks them with stubtest)."""

from coverage_sdk._fallback.pixels import scale as scale
