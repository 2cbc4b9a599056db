# Parser of DICOM Decimal String (DS) values: ASCII numbers separated by backslashes,
# optionally padded with spaces; and a walker of encoded sequences that finds the value spans
# of chosen tags in each item. Callers go through coverage_sdk.dose.dicom, which checks the
# spans lie inside the buffer first; the walker checks every length it reads against its bounds.
#
# Each number is exact: a mantissa below 2**53 scaled by a power of ten up to 1e22 is
# correctly rounded in one multiplication or division (Clinger's fast path), and anything
# longer goes to strtod, so the results equal Python's float() on the same valid DS text
# (NaN, infinity and tokens over 255 characters are malformed here). The plain number (sign,
# digits, point, digits) is read first without the rest of the grammar's branches (a quarter
# less time on the breast example's contours).

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


cdef inline Py_ssize_t _parse_plain(const unsigned char* buf, Py_ssize_t i, Py_ssize_t stop, double* out) noexcept nogil:
    """Parse the number at ``i`` (``i < stop``) if it is plain: a sign, digits, a point, digits
    (15 digits at most, one at least), then a backslash or the span's end; return the index
    after it, or -2 for any other form (``_parse_one`` reads it byte by byte). Fewer branches
    than the full grammar, and the same value: the same mantissa and power of ten."""
    cdef Py_ssize_t j = i, begin
    cdef unsigned long long mantissa = 0
    cdef int whole, fraction = 0
    cdef unsigned char c = buf[j]
    cdef bint negative = c == 45
    cdef double value
    j += (c == 45) | (c == 43)
    begin = j
    j = _digits(buf, j, stop, &mantissa)
    whole = <int>(j - begin)
    if j < stop and buf[j] == 46:
        j += 1
        begin = j
        j = _digits(buf, j, stop, &mantissa)
        fraction = <int>(j - begin)
    if whole + fraction == 0 or whole + fraction > 15 or (j < stop and buf[j] != 92):
        return -2
    value = <double>mantissa
    if fraction:
        value = value / POW10[fraction]
    out[0] = -value if negative else value
    return j + 1


cdef inline Py_ssize_t _parse_one(const unsigned char* buf, Py_ssize_t i, Py_ssize_t stop, double* out) noexcept nogil:
    """Parse the number starting at ``i``; return the index after its separator, or -1 if malformed."""
    cdef Py_ssize_t begin, token_start, token_stop
    cdef unsigned long long mantissa = 0
    cdef int digits = 0, scale = 0, exponent = 0, exp_sign = 1
    cdef bint negative = False, exact = True, exp_digit = False
    cdef char token[MAX_TOKEN + 1]
    cdef double value

    if i < stop:
        begin = _parse_plain(buf, i, stop, out)
        if begin != -2:
            return begin
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


cdef object _span_counts(const unsigned char* data, const long long[::1] starts, const long long[::1] stops,
                         int num_threads):
    """The number of values in each span (``_count``), spans in parallel."""
    cdef Py_ssize_t s, n = starts.shape[0]
    counts_arr = np.empty(n, dtype=np.int64)
    cdef long long[::1] counts = counts_arr
    for s in prange(n, nogil=True, num_threads=num_threads, schedule="dynamic", chunksize=8):
        counts[s] = _count(data, starts[s], stops[s])
    return counts_arr


def parse_spans(const unsigned char[::1] buf, const long long[::1] starts, const long long[::1] stops,
                int num_threads=1):
    """Parse the DS values ``buf[starts[s]:stops[s]]``; return ``(values, counts)``.

    ``counts[s]`` is the number of values in span ``s`` (0 for a blank span); ``values``
    holds them all, span after span. Raises ``ValueError(s)`` for the first malformed span.
    """
    cdef Py_ssize_t s, n = starts.shape[0]
    cdef const unsigned char* data = &buf[0] if buf.shape[0] else NULL
    counts_arr = _span_counts(data, starts, stops, num_threads)
    cdef long long[::1] counts = counts_arr
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


cdef int _parse_triplets(const unsigned char* buf, Py_ssize_t i, Py_ssize_t stop, Py_ssize_t n,
                         double* xy, double* z) noexcept nogil:
    """Parse the ``n`` numbers from ``i`` as x, y, z triplets: x, y into ``xy``, and the first,
    lowest and highest z into ``z[0:3]``; numbers after the last whole triplet are parsed and
    dropped. Return 1 if malformed, 2 if a number of a triplet is not finite, else 0."""
    cdef Py_ssize_t p, k, points = n // 3
    cdef double v[3]
    cdef double rest
    cdef int status = 0
    for p in range(points):
        for k in range(3):
            i = _parse_one(buf, i, stop, &v[k])
            if i < 0:
                return 1
            if not (v[k] - v[k] == 0.0):
                status = 2
        xy[2 * p] = v[0]
        xy[2 * p + 1] = v[1]
        if p == 0:
            z[0] = v[2]
            z[1] = v[2]
            z[2] = v[2]
        else:
            z[1] = min(z[1], v[2])
            z[2] = max(z[2], v[2])
    for k in range(n - 3 * points):
        i = _parse_one(buf, i, stop, &rest)
        if i < 0:
            return 1
    return status


def parse_contours(const unsigned char[::1] buf, const long long[::1] starts, const long long[::1] stops,
                   int num_threads=1):
    """Parse the DS values ``buf[starts[s]:stops[s]]`` as x, y, z triplets (DICOM Contour Data).

    Return ``(xy, counts, z, finite)``: ``counts[s]`` is the number of values in span ``s``,
    ``xy`` the (x, y) of every whole triplet, span after span (``counts // 3`` rows each),
    ``z[s]`` the first, lowest and highest z of span ``s`` (zeros without a triplet), and
    ``finite`` whether every number of a triplet is. Raises ``ValueError(s)`` for the first
    malformed span, as :func:`parse_spans` does.
    """
    cdef Py_ssize_t s, n = starts.shape[0]
    cdef const unsigned char* data = &buf[0] if buf.shape[0] else NULL
    counts_arr = _span_counts(data, starts, stops, num_threads)
    cdef long long[::1] counts = counts_arr
    offsets_arr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts_arr // 3, out=offsets_arr[1:])
    cdef long long[::1] offsets = offsets_arr
    xy_arr = np.empty((offsets_arr[n], 2), dtype=np.float64)
    cdef double[:, ::1] xy = xy_arr
    cdef double* out = &xy[0, 0] if xy.shape[0] else NULL
    z_arr = np.zeros((n, 3), dtype=np.float64)
    cdef double[:, ::1] z = z_arr
    status_arr = np.zeros(n, dtype=np.uint8)
    cdef unsigned char[::1] status = status_arr
    for s in prange(n, nogil=True, num_threads=num_threads, schedule="dynamic", chunksize=8):
        status[s] = _parse_triplets(data, starts[s], stops[s], counts[s], out + 2 * offsets[s], &z[s, 0])
    if n and (status_arr == 1).any():
        raise ValueError(int(np.argmax(status_arr == 1)))
    return xy_arr, counts_arr, z_arr, not status_arr.any()


cdef unsigned int ITEM = 0xFFFEE000, ITEM_END = 0xFFFEE00D, SEQUENCE_END = 0xFFFEE0DD
cdef unsigned long long UNDEFINED = 0xFFFFFFFF


cdef inline unsigned int _u16(const unsigned char* b, Py_ssize_t at) noexcept nogil:
    return b[at] | (<unsigned int>b[at + 1] << 8)


cdef inline unsigned long long _u32(const unsigned char* b, Py_ssize_t at) noexcept nogil:
    return b[at] | (<unsigned long long>b[at + 1] << 8) | (<unsigned long long>b[at + 2] << 16) | (<unsigned long long>b[at + 3] << 24)


cdef inline bint _long_vr(const unsigned char* b, Py_ssize_t at) noexcept nogil:
    """The explicit VR at ``b[at:at + 2]`` has a 4-byte length (OB OD OF OL OV OW SQ SV UC UN UR UT UV)."""
    cdef unsigned char a = b[at], c = b[at + 1]
    if a == 79:  # O
        return c == 66 or c == 68 or c == 70 or c == 76 or c == 86 or c == 87
    if a == 83:  # S
        return c == 81 or c == 86
    if a == 85:  # U
        return c == 67 or c == 78 or c == 82 or c == 84 or c == 86
    return False


cdef Py_ssize_t _elements(const unsigned char* b, Py_ssize_t pos, Py_ssize_t stop, bint implicit, int depth,
                          int max_depth, const unsigned int* tags, Py_ssize_t ntags, long long* row) noexcept nogil:
    """Where the item encoded at ``b[pos:stop]`` ends (after its delimiter, if any), or -1 if it
    is malformed; the header, value start and value stop of ``tags[t]`` go to ``row[3t:3t + 3]``
    (the last of a repeated tag) unless ``row`` is NULL."""
    cdef unsigned int group, tag
    cdef unsigned long long length
    cdef Py_ssize_t head, start, end, t
    if depth > max_depth:
        return -1
    while pos < stop:
        if pos + 8 > stop:
            return -1
        group = _u16(b, pos)
        tag = group << 16 | _u16(b, pos + 2)
        if tag == ITEM_END:
            return pos + 8
        head = pos
        length = _u32(b, pos + 4)
        start = pos + 8
        if not implicit and group != 0xFFFE:
            if _long_vr(b, pos + 4):
                if pos + 12 > stop:
                    return -1
                length = _u32(b, pos + 8)
                start = pos + 12
            else:
                length = _u16(b, pos + 6)
        if length == UNDEFINED:
            end = _items(b, start, stop, implicit, depth + 1, max_depth, NULL, 0, NULL, NULL)
            if end < 0 or end + 8 > stop or _u16(b, end) != 0xFFFE or _u16(b, end + 2) != 0xE0DD:
                return -1
            pos = end + 8
        else:
            if <unsigned long long>(stop - start) < length:
                return -1
            end = start + <Py_ssize_t>length
            pos = end
        if row != NULL:
            for t in range(ntags):
                if tags[t] == tag:
                    row[3 * t] = head
                    row[3 * t + 1] = start
                    row[3 * t + 2] = end
    return pos


cdef Py_ssize_t _items(const unsigned char* b, Py_ssize_t pos, Py_ssize_t stop, bint implicit, int depth,
                       int max_depth, const unsigned int* tags, Py_ssize_t ntags, long long* rows,
                       Py_ssize_t* count) noexcept nogil:
    """Where the sequence value at ``b[pos:stop]`` ends (at its delimiter, if any), or -1 if it is
    malformed; counts its items in ``count`` and records item ``i``'s tags at
    ``rows[3 * ntags * i:]``, each unless NULL."""
    cdef unsigned int tag
    cdef unsigned long long length
    cdef Py_ssize_t end
    cdef long long* row
    while pos < stop:
        if pos + 8 > stop:
            return -1
        tag = _u16(b, pos) << 16 | _u16(b, pos + 2)
        length = _u32(b, pos + 4)
        if tag == SEQUENCE_END:
            return pos
        if tag != ITEM:
            return -1
        row = rows + 3 * ntags * count[0] if rows != NULL else NULL
        if length == UNDEFINED:
            pos = _elements(b, pos + 8, stop, implicit, depth, max_depth, tags, ntags, row)
            if pos < 0:
                return -1
        else:
            if <unsigned long long>(stop - pos - 8) < length:
                return -1
            end = pos + 8 + <Py_ssize_t>length
            if _elements(b, pos + 8, end, implicit, depth, max_depth, tags, ntags, row) < 0:
                return -1
            pos = end
        if count != NULL:
            count[0] += 1
    return pos


def sequence_items(const unsigned char[::1] buf, const long long[::1] starts, const long long[::1] stops,
                   bint implicit, const unsigned int[::1] tags, int max_depth):
    """The items of the encoded sequence values ``buf[starts[s]:stops[s]]`` (little endian,
    implicit or explicit VR): ``(rows, owners)``, ``rows`` an int64 array ``(items, len(tags), 3)``
    of each tag's element header, value start and value stop in ``buf`` (-1 where an item lacks
    the tag), ``owners[i]`` the span of item ``i``. Raises ``ValueError`` where an encoding is
    malformed anywhere in it, or nests deeper than ``max_depth``."""
    cdef Py_ssize_t s, n = starts.shape[0], ntags = tags.shape[0], count = 0, before
    if stops.shape[0] != n:
        raise ValueError("expected as many starts as stops")
    for s in range(n):
        if not 0 <= starts[s] <= stops[s] <= buf.shape[0]:
            raise ValueError("the spans must lie inside the buffer")
    cdef const unsigned char* data = &buf[0] if buf.shape[0] else NULL
    cdef const unsigned int* wanted = &tags[0] if ntags else NULL
    counts_arr = np.zeros(n, dtype=np.int64)
    cdef long long[::1] counts = counts_arr
    for s in range(n):
        before = count
        if _items(data, starts[s], stops[s], implicit, 0, max_depth, wanted, ntags, NULL, &count) < 0:
            raise ValueError("malformed sequence encoding")
        counts[s] = count - before
    rows_arr = np.full((count, ntags, 3), -1, dtype=np.int64)
    cdef long long[:, :, ::1] rows = rows_arr
    count = 0
    if rows_arr.size:
        for s in range(n):
            _items(data, starts[s], stops[s], implicit, 0, max_depth, wanted, ntags, &rows[0, 0, 0], &count)
    return rows_arr, np.repeat(np.arange(n, dtype=np.int64), counts_arr)
