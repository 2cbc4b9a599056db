# Stored RT Dose pixel values to dose: one multiplication per voxel, frames in parallel. The
# range of the dose is the DoseGrid's (numpy's reductions use the widest vector instructions of
# the processor at hand; a running minimum of the stored integers here took 40 % of the time).
# Twin: coverage_sdk._fallback.pixels. Inputs are validated by coverage_sdk.dose.dicom (a
# non-empty 3-d view, a native integer dtype, a positive factor).

from cython.parallel cimport prange

from _interp cimport dose_t


ctypedef fused stored_t:
    unsigned short
    short
    unsigned int
    int


def scale(const stored_t[:, :, :] stored, double factor, dose_t[:, :, ::1] out, int num_threads=1):
    """Fill ``out`` with ``stored * factor`` (any strides: flips and transposes are views)."""
    cdef Py_ssize_t k, j, i, nk = stored.shape[0], nj = stored.shape[1], ni = stored.shape[2]
    cdef Py_ssize_t step = stored.strides[2]
    cdef const char* row
    cdef dose_t* target
    for k in prange(nk, nogil=True, num_threads=num_threads, schedule="static"):
        for j in range(nj):
            row = <const char*>&stored[k, j, 0]
            target = &out[k, j, 0]
            if step == sizeof(stored_t):
                for i in range(ni):
                    target[i] = (<const stored_t*>row)[i] * factor
            else:
                for i in range(ni):
                    target[i] = (<const stored_t*>(row + i * step))[0] * factor
