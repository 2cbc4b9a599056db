"""ext/_dsparse.pyx, compiled: the signatures of its numpy twin (the wheel env checks them with stubtest)."""

from coverage_sdk._fallback.dsparse import parse_spans as parse_spans
