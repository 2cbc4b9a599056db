# Trilinear dose interpolation shared by the dose kernels (cimported, inlined).
# The dose is indexed [z, y, x]; x and y are evenly spaced, z is any increasing sequence.
# Callers have validated shapes; a point outside the axes' range (or NaN, as in the twin) is reported, not read.

from libc.math cimport floor

# the dose as the readers hold it (float32) or as a caller built it (float64)
ctypedef fused dose_t:
    float
    double


cdef inline Py_ssize_t _z_cell(const double[::1] z, double pz) noexcept nogil:
    cdef Py_ssize_t lo = 0, hi = z.shape[0] - 1, mid
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if z[mid] <= pz:
            lo = mid
        else:
            hi = mid
    return lo


cdef inline bint trilinear(
    const dose_t[:, :, ::1] dose,
    const double[::1] x, const double[::1] y, const double[::1] z,
    double px, double py, double pz, double* out,
) noexcept nogil:
    """Set out to the dose at (px, py, pz) and return True, or return False when outside."""
    cdef Py_ssize_t nx = x.shape[0], ny = y.shape[0], nz = z.shape[0]
    cdef double eps = 1e-9
    if not (px >= x[0] - eps and px <= x[nx - 1] + eps and py >= y[0] - eps and py <= y[ny - 1] + eps
            and pz >= z[0] - eps and pz <= z[nz - 1] + eps):
        return False
    cdef double fx = 0.0, fy = 0.0, fz = 0.0
    cdef Py_ssize_t i = 0, j = 0, k = 0
    if nx > 1:
        fx = (px - x[0]) / (x[1] - x[0])
        i = <Py_ssize_t>floor(fx)
        i = 0 if i < 0 else (nx - 2 if i > nx - 2 else i)
        fx = fx - i
        fx = 0.0 if fx < 0.0 else (1.0 if fx > 1.0 else fx)
    if ny > 1:
        fy = (py - y[0]) / (y[1] - y[0])
        j = <Py_ssize_t>floor(fy)
        j = 0 if j < 0 else (ny - 2 if j > ny - 2 else j)
        fy = fy - j
        fy = 0.0 if fy < 0.0 else (1.0 if fy > 1.0 else fy)
    if nz > 1:
        k = _z_cell(z, pz)
        k = nz - 2 if k > nz - 2 else k
        fz = (pz - z[k]) / (z[k + 1] - z[k])
        fz = 0.0 if fz < 0.0 else (1.0 if fz > 1.0 else fz)
    cdef Py_ssize_t i1 = i + 1 if nx > 1 else i
    cdef Py_ssize_t j1 = j + 1 if ny > 1 else j
    cdef Py_ssize_t k1 = k + 1 if nz > 1 else k
    cdef double c00 = dose[k, j, i] * (1 - fx) + dose[k, j, i1] * fx
    cdef double c01 = dose[k, j1, i] * (1 - fx) + dose[k, j1, i1] * fx
    cdef double c10 = dose[k1, j, i] * (1 - fx) + dose[k1, j, i1] * fx
    cdef double c11 = dose[k1, j1, i] * (1 - fx) + dose[k1, j1, i1] * fx
    out[0] = (c00 * (1 - fy) + c01 * fy) * (1 - fz) + (c10 * (1 - fy) + c11 * fy) * fz
    return True
