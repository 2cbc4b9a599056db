# Integer floor and ceiling without a libm call, shared by the kernels (cimported, inlined).
# Exact for |v| < 2**63; callers keep their values well inside that.

from libc.stdint cimport int64_t


cdef inline int64_t ifloor(double v) noexcept nogil:
    cdef int64_t k = <int64_t>v
    return k - 1 if k > v else k


cdef inline int64_t iceil(double v) noexcept nogil:
    cdef int64_t k = <int64_t>v
    return k + 1 if k < v else k
