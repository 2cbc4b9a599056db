# Parser of DICOM Decimal String (DS) values: ASCII numbers separated by backslashes,
# optionally padded with spaces. Callers go through coverage_sdk.dicom, which checks the
# spans lie inside the buffer first.
#
# Each number is exact: a mantissa below 2**53 scaled by a power of ten up to 1e22 is
# correctly rounded in one multiplication or division (Clinger's fast path), and anything
# longer goes to strtod, so the results equal Python's float() on the same valid DS text
# (NaN, infinity and tokens over 255 characters are malformed here).

from cython.parallel cimport prange
from libc.stdlib cimport strtod
from libc.string cimport memcpy

import numpy as np

cdef double[23] POW10 = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]
cdef enum:
    MAX_TOKEN = 255
cdef unsigned long long FAST_MANTISSA = 1ULL << 53


cdef inline bint _blank(unsigned char c) noexcept nogil:
    return c == 32


cdef Py_ssize_t _count(const unsigned char* buf, Py_ssize_t start, Py_ssize_t stop) noexcept nogil:
    cdef Py_ssize_t i, n = 0
    for i in range(start, stop):
        n += buf[i] == 92
    if n:
        return n + 1
    for i in range(start, stop):
        if not _blank(buf[i]):
            return 1
    return 0


cdef inline Py_ssize_t _digits(
    const unsigned char* buf, Py_ssize_t i, Py_ssize_t stop, unsigned long long* mantissa
) noexcept nogil:
    """Fold the decimal digits from ``i`` into ``mantissa``; return the index after them."""
    cdef unsigned char d
    while i < stop:
        d = buf[i] - 48
        if d > 9:
            break
        mantissa[0] = mantissa[0] * 10 + d
        i += 1
    return i


cdef inline Py_ssize_t _parse_one(const unsigned char* buf, Py_ssize_t i, Py_ssize_t stop, double* out) noexcept nogil:
    """Parse the number starting at ``i``; return the index after its separator, or -1 if malformed."""
    cdef Py_ssize_t begin, token_start, token_stop
    cdef unsigned long long mantissa = 0
    cdef int digits = 0, scale = 0, exponent = 0, exp_sign = 1
    cdef bint negative = False, exact = True, exp_digit = False
    cdef char token[MAX_TOKEN + 1]
    cdef double value

    while i < stop and _blank(buf[i]):
        i += 1
    token_start = i
    if i < stop and (buf[i] == 43 or buf[i] == 45):
        negative = buf[i] == 45
        i += 1
    begin = i
    i = _digits(buf, i, stop, &mantissa)
    digits = i - begin
    if i < stop and buf[i] == 46:
        i += 1
        begin = i
        i = _digits(buf, i, stop, &mantissa)
        scale = begin - i
        digits += i - begin
    if digits == 0:
        return -1
    if digits > 19:
        exact = False
    if i < stop and (buf[i] == 101 or buf[i] == 69):
        i += 1
        if i < stop and (buf[i] == 43 or buf[i] == 45):
            exp_sign = -1 if buf[i] == 45 else 1
            i += 1
        while i < stop and 48 <= buf[i] <= 57:
            exp_digit = True
            if exponent < 100000:
                exponent = exponent * 10 + (buf[i] - 48)
            i += 1
        if not exp_digit:
            return -1
    token_stop = i
    while i < stop and _blank(buf[i]):
        i += 1
    if i < stop and buf[i] != 92:
        return -1

    scale += exp_sign * exponent
    if exact and mantissa < FAST_MANTISSA and -22 <= scale <= 22:
        value = <double>mantissa
        value = value * POW10[scale] if scale >= 0 else value / POW10[-scale]
        out[0] = -value if negative else value
    else:
        if token_stop - token_start > MAX_TOKEN:
            return -1
        memcpy(token, &buf[token_start], token_stop - token_start)
        token[token_stop - token_start] = 0
        out[0] = strtod(token, NULL)
    return i + 1


cdef int _parse_span(const unsigned char* buf, Py_ssize_t i, Py_ssize_t stop, double* out,
                     Py_ssize_t at, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(n):
        i = _parse_one(buf, i, stop, &out[at + k])
        if i < 0:
            return 1
    return 0


def parse_spans(const unsigned char[::1] buf, const long long[::1] starts, const long long[::1] stops,
                int num_threads=1):
    """Parse the DS values ``buf[starts[s]:stops[s]]``; return ``(values, counts)``.

    ``counts[s]`` is the number of values in span ``s`` (0 for a blank span); ``values``
    holds them all, span after span. Raises ``ValueError(s)`` for the first malformed span.
    """
    cdef Py_ssize_t s, n = starts.shape[0]
    cdef const unsigned char* data = &buf[0] if buf.shape[0] else NULL
    counts_arr = np.empty(n, dtype=np.int64)
    cdef long long[::1] counts = counts_arr
    for s in prange(n, nogil=True, num_threads=num_threads, schedule="dynamic", chunksize=8):
        counts[s] = _count(data, starts[s], stops[s])
    offsets_arr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts_arr, out=offsets_arr[1:])
    cdef long long[::1] offsets = offsets_arr
    values_arr = np.empty(offsets_arr[n], dtype=np.float64)
    cdef double[::1] values = values_arr
    cdef double* out = &values[0] if values.shape[0] else NULL
    bad_arr = np.zeros(n, dtype=np.uint8)
    cdef unsigned char[::1] bad = bad_arr
    for s in prange(n, nogil=True, num_threads=num_threads, schedule="dynamic", chunksize=8):
        bad[s] = _parse_span(data, starts[s], stops[s], out, offsets[s], counts[s])
    if n and bad_arr.any():
        raise ValueError(int(np.argmax(bad_arr)))
    return values_arr, counts_arr
