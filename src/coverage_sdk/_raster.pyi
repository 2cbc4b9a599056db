"""ext/_raster.pyx, compiled: the signatures of its numpy twin (the wheel env checks them with stubtest)."""

from coverage_sdk._fallback.raster import rasterize as rasterize
