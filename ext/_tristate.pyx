# Kleene three-valued combinators over criterion results: 1 met, 0 not met, -1 unknown.
# Callers go through coverage_sdk.tristate, which validates the values first.

cpdef signed char all_of(const signed char[::1] results) noexcept nogil:
    cdef Py_ssize_t i
    cdef signed char out = 1
    for i in range(results.shape[0]):
        if results[i] == 0:
            return 0
        if results[i] < 0:
            out = -1
    return out


cpdef signed char any_of(const signed char[::1] results) noexcept nogil:
    cdef Py_ssize_t i
    cdef signed char out = 0
    for i in range(results.shape[0]):
        if results[i] == 1:
            return 1
        if results[i] < 0:
            out = -1
    return out


cpdef signed char not_(signed char result) noexcept nogil:
    return result if result < 0 else 1 - result
