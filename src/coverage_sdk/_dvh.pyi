"""ext/_dvh.pyx, compiled: the signatures of its numpy twin (the wheel env checks them with stubtest)."""

from coverage_sdk._fallback.dvh import accumulate as accumulate
