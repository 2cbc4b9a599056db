# Stored RT Dose pixel values to dose: one multiplication per voxel, frames in parallel, and
# the range of the result on the way. Twin: coverage_sdk._fallback.pixels. Inputs are validated
# by coverage_sdk.dicom (a non-empty 3-d view, a native integer dtype, a positive factor).
#
# Rounding is monotonic, so for factor > 0 the extremes of stored * factor are the products of
# the stored extremes, exactly.

from cython.parallel cimport prange

from _interp cimport dose_t

import numpy as np

ctypedef fused stored_t:
    unsigned short
    short
    unsigned int
    int


def scale(const stored_t[:, :, :] stored, double factor, dose_t[:, :, ::1] out, int num_threads=1):
    """Fill ``out`` with ``stored * factor`` (any strides: flips and transposes are views); return
    ``(min, max)`` of ``out``."""
    cdef Py_ssize_t k, j, i, nk = stored.shape[0], nj = stored.shape[1], ni = stored.shape[2]
    cdef Py_ssize_t step = stored.strides[2]
    cdef const char* row
    cdef dose_t* target
    cdef stored_t v, low, high
    frame_low_arr = np.empty(nk, dtype=np.int64)
    frame_high_arr = np.empty(nk, dtype=np.int64)
    cdef long long[::1] frame_low = frame_low_arr
    cdef long long[::1] frame_high = frame_high_arr
    for k in prange(nk, nogil=True, num_threads=num_threads, schedule="static"):
        low = stored[k, 0, 0]
        high = low
        for j in range(nj):
            row = <const char*>&stored[k, j, 0]
            target = &out[k, j, 0]
            if step == sizeof(stored_t):
                for i in range(ni):
                    v = (<const stored_t*>row)[i]
                    target[i] = v * factor
                    low = min(low, v)
                    high = max(high, v)
            else:
                for i in range(ni):
                    v = (<const stored_t*>(row + i * step))[0]
                    target[i] = v * factor
                    low = min(low, v)
                    high = max(high, v)
        frame_low[k] = low
        frame_high[k] = high
    # rounding to out's type is monotonic too: the extremes are the rounded products
    extremes = np.array([frame_low_arr.min() * factor, frame_high_arr.max() * factor]).astype(np.asarray(out).dtype)
    return float(extremes[0]), float(extremes[1])
