# The sub-slabs of VolumeConvention.INTERPOLATED: coverage_sdk.dose.interpolation describes the
# method and passes a validated structure (every plane holds a contour, offsets delimit the
# points) with the tolerances; _fallback/stack.py is the numpy twin, step for step.
#
# The numbers are the twin's bit for bit on x86-64: every operation is done in the twin's order,
# sums of several terms as numpy sums them (add.reduceat: the first term plus a pairwise sum of
# the rest; sum: a pairwise sum), the 4-term matrix products and 3-term Gauss sums as the fused
# multiply-adds of OpenBLAS's x86-64 kernels (elsewhere they may differ in the last bit), and
# atan2, hypot, sin and cos through numpy's own float64 loops (its SIMD atan2 is not the C
# library's to the last bit).

from libc.math cimport ceil, copysign, fabs, fma, sqrt
from libc.stdint cimport int64_t
from libc.stdlib cimport calloc, free, realloc

cimport cython
cimport numpy as cnp
import numpy as np

cnp.import_array()
cnp.import_ufunc()

ctypedef void (*Loop)(char**, cnp.npy_intp*, cnp.npy_intp*, void*) noexcept nogil


cdef struct Ufunc:
    Loop loop
    void* data


cdef Ufunc ATAN2, HYPOT, SIN, COS


cdef int _float64_loop(cnp.ufunc f, Ufunc* out) except -1:
    cdef int i, j
    for i in range(f.ntypes):
        for j in range(f.nargs):
            if f.types[i * f.nargs + j] != cnp.NPY_DOUBLE:
                break
        else:
            out.loop = <Loop><void*>f.functions[i]
            out.data = f.data[i]
            return 0
    raise ImportError(f"numpy.{f.__name__} has no float64 loop")


_float64_loop(np.arctan2, &ATAN2)
_float64_loop(np.hypot, &HYPOT)
_float64_loop(np.sin, &SIN)
_float64_loop(np.cos, &COS)

cdef enum:
    END_SAMPLES = 47  # the end trend's parameter t: 0 to 1 by 1/32, then to 8 by 1/2
    FLAT_SAMPLES = 17  # those with t <= 1/2

cdef double[3] GAUSS_T = [0.5 + 0.5 * -sqrt(3.0 / 5.0), 0.5, 0.5 + 0.5 * sqrt(3.0 / 5.0)]
cdef double[3] GAUSS_W = [5.0 / 18.0, 8.0 / 18.0, 5.0 / 18.0]


cdef inline double _end_t(Py_ssize_t t) noexcept nogil:
    return t / 32.0 if t <= 32 else 1.0 + 0.5 * (t - 32)


cdef inline void _apply1(Ufunc f, double* x, double* out, Py_ssize_t n) noexcept nogil:
    cdef char* args[2]
    cdef cnp.npy_intp size = n
    cdef cnp.npy_intp steps[2]
    args[0], args[1] = <char*>x, <char*>out
    steps[0] = steps[1] = sizeof(double)
    f.loop(args, &size, steps, f.data)


cdef inline void _apply2(Ufunc f, double* x, double* y, double* out, Py_ssize_t n) noexcept nogil:
    cdef char* args[3]
    cdef cnp.npy_intp size = n
    cdef cnp.npy_intp steps[3]
    args[0], args[1], args[2] = <char*>x, <char*>y, <char*>out
    steps[0] = steps[1] = steps[2] = sizeof(double)
    f.loop(args, &size, steps, f.data)


cdef inline double _maximum(double a, double b) noexcept nogil:
    """numpy.maximum: NaN wins, a tie gives ``b``."""
    return a if a != a or a > b else b


cdef inline double _minimum(double a, double b) noexcept nogil:
    return a if a != a or a < b else b


cdef double _pairwise(const double* a, Py_ssize_t n, Py_ssize_t stride) noexcept nogil:
    """numpy's pairwise sum of ``a[0], a[stride], ...``."""
    cdef double r[8]
    cdef double res
    cdef Py_ssize_t i, j, half
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[i * stride]
        return res
    if n <= 128:
        for j in range(8):
            r[j] = a[j * stride]
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += a[(i + j) * stride]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += a[i * stride]
            i += 1
        return res
    half = n // 2
    half -= half % 8
    return _pairwise(a, half, stride) + _pairwise(a + half * stride, n - half, stride)


cdef inline double _reduceat(const double* a, Py_ssize_t n, Py_ssize_t stride) noexcept nogil:
    """numpy.add.reduceat's sum of one segment of ``n >= 1`` terms."""
    return a[0] + _pairwise(a + stride, n - 1, stride)


cdef void _eig(
    const double* xx, const double* xy, const double* yy, Py_ssize_t n,
    double* low, double* high, double* angle, double* work,
) noexcept nogil:
    """Eigenvalues and the high one's axis angle of ``n`` symmetric 2 x 2 matrices (``work``: 3n)."""
    cdef Py_ssize_t i
    cdef double* half_diff = work
    cdef double* twice_xy = work + n
    cdef double* diff = work + 2 * n
    for i in range(n):
        half_diff[i] = (xx[i] - yy[i]) / 2
    _apply2(HYPOT, half_diff, <double*>xy, angle, n)
    for i in range(n):
        low[i] = (xx[i] + yy[i]) / 2 - angle[i]
        high[i] = (xx[i] + yy[i]) / 2 + angle[i]
        twice_xy[i] = 2 * xy[i]
        diff[i] = xx[i] - yy[i]
    _apply2(ATAN2, twice_xy, diff, angle, n)
    for i in range(n):
        angle[i] = 0.5 * angle[i]


cdef void _matrix(
    const double* low, const double* high, double* angle, Py_ssize_t n, double* m, double* work
) noexcept nogil:
    """The symmetric matrices (xx, xy, yy rows of ``m``) of eigenvalues ``low``, ``high`` (work: 2n)."""
    cdef Py_ssize_t i
    cdef double c, s
    _apply1(COS, angle, work, n)
    _apply1(SIN, angle, work + n, n)
    for i in range(n):
        c, s = work[i], work[n + i]
        m[3 * i] = high[i] * (c * c) + low[i] * (s * s)
        m[3 * i + 1] = (high[i] - low[i]) * c * s
        m[3 * i + 2] = high[i] * (s * s) + low[i] * (c * c)


cdef void _moments(
    const double[:, ::1] points, Py_ssize_t start, Py_ssize_t stop, double* terms, double* centre, double* second
) noexcept nogil:
    """Area centroid and central second moments per unit area (xx, xy, yy) of one contour."""
    cdef Py_ssize_t m = stop - start, i
    cdef double bx = points[start, 0], by = points[start, 1]
    cdef double px, py, qx = 0.0, qy = 0.0, cross, sx, sy, a, cx, cy
    cdef double sums[6]
    cdef double* row
    for i in range(m):
        px, py = points[start + i, 0] - bx, points[start + i, 1] - by
        if i + 1 < m:
            qx, qy = points[start + i + 1, 0] - bx, points[start + i + 1, 1] - by
        else:
            qx, qy = 0.0, 0.0
        cross = px * qy - qx * py
        sx, sy = px + qx, py + qy
        row = terms + 6 * i
        row[0] = cross
        row[1] = sx * cross
        row[2] = sy * cross
        row[3] = (px * px + px * qx + qx * qx) * cross
        row[4] = (sx * sy + px * py + qx * qy) * cross
        row[5] = (py * py + py * qy + qy * qy) * cross
    for i in range(6):
        sums[i] = _reduceat(terms + i, m, 6)
    a = sums[0] / 2
    cx, cy = sums[1] / (6 * a), sums[2] / (6 * a)
    second[0] = sums[3] / (12 * a) - cx * cx
    second[1] = sums[4] / (24 * a) - cx * cy
    second[2] = sums[5] / (12 * a) - cy * cy
    centre[0], centre[1] = cx + bx, cy + by


cdef void _axes(
    const int64_t* nodes, const double* at, Py_ssize_t rows, Py_ssize_t cols, const double* z,
    const double* second, const double* root, const double* major, double max_growth,
    double* low, double* high, double* angle, double* work,
) noexcept nogil:
    """Axes (low, high) and angle of the sections at ``at`` (rows x cols) interpolated through
    the planes ``nodes`` (rows x 4, -1 where absent), as the twin's ``axes`` (work: 6 rows cols)."""
    cdef Py_ssize_t n = rows * cols, r, p, i, j, c
    cdef double* m = work
    cdef double* eig_work = work + 3 * n
    cdef bint present[4]
    cdef bint valid
    cdef Py_ssize_t index[4]
    cdef double zz[4]
    cdef double gap[4][4]
    cdef double values[4][3]
    cdef double w[4]
    cdef double x, acc, top, l, h
    cdef const double* source
    cdef int count
    for r in range(rows):
        count = 0
        for i in range(4):
            present[i] = nodes[4 * r + i] >= 0
            index[i] = nodes[4 * r + i] if present[i] else 0
            zz[i] = z[index[i]]
            count += present[i]
        source = root if count == 2 else second
        for i in range(4):
            for j in range(4):
                gap[i][j] = zz[i] - zz[j] if present[i] and present[j] and i != j else 1.0
            for c in range(3):
                values[i][c] = source[3 * index[i] + c]
        for p in range(cols):
            x = at[r * cols + p]
            for i in range(4):
                w[i] = 1.0
                for j in range(4):
                    valid = present[i] and present[j] and i != j
                    if j == 0:
                        w[i] = (x - zz[j]) / gap[i][j] if valid else 1.0
                    else:
                        w[i] = w[i] * ((x - zz[j]) / gap[i][j] if valid else 1.0)
                w[i] = w[i] * (1.0 if present[i] else 0.0)
            for c in range(3):
                acc = 0.0
                for i in range(4):
                    acc = fma(w[i], values[i][c], acc)
                m[c * n + r * cols + p] = acc
    _eig(m, m + n, m + 2 * n, n, low, high, angle, eig_work)
    for r in range(rows):
        count = 0
        top = 0.0
        for i in range(4):
            present[i] = nodes[4 * r + i] >= 0
            count += present[i]
            x = major[nodes[4 * r + i]] if present[i] else 0.0
            top = x if i == 0 else _maximum(top, x)
        top = max_growth * top
        for p in range(r * cols, (r + 1) * cols):
            l, h = _maximum(low[p], 0.0), _maximum(high[p], 0.0)
            if count != 2:
                l, h = sqrt(l), sqrt(h)
            low[p], high[p] = _minimum(l, top), _minimum(h, top)


cdef inline double _gauss_sum(const double* low, const double* high, bint alone) noexcept nogil:
    """The Gauss sum of the sections ``low * high``: in numpy's order, a dot product for one
    sub-slab, a matrix-vector product's for more."""
    if alone:
        return fma(low[2] * high[2], GAUSS_W[2], fma(low[1] * high[1], GAUSS_W[1], low[0] * high[0] * GAUSS_W[0]))
    return fma(low[2] * high[2], GAUSS_W[2], fma(low[0] * high[0], GAUSS_W[0], low[1] * high[1] * GAUSS_W[1]))


@cython.auto_pickle(False)
cdef class _Arena:
    """Zeroed buffers of one call, freed with it."""

    cdef void** blocks
    cdef Py_ssize_t count, capacity

    cdef void* zeros(self, Py_ssize_t n, size_t size) except NULL:
        cdef void** grown
        if self.count == self.capacity:
            grown = <void**>realloc(self.blocks, (2 * self.capacity + 16) * sizeof(void*))
            if grown == NULL:
                raise MemoryError()
            self.blocks, self.capacity = grown, 2 * self.capacity + 16
        cdef void* block = calloc(max(n, 1), size)
        if block == NULL:
            raise MemoryError()
        self.blocks[self.count] = block
        self.count += 1
        return block

    cdef double* doubles(self, Py_ssize_t n) except NULL:
        return <double*>self.zeros(n, sizeof(double))

    cdef int64_t* ints(self, Py_ssize_t n) except NULL:
        return <int64_t*>self.zeros(n, sizeof(int64_t))

    def __dealloc__(self):
        for i in range(self.count):
            free(self.blocks[i])
        free(self.blocks)


cdef inline bint _before(double a, double b) noexcept nogil:
    """numpy's sort order: NaN last."""
    return a < b or (b != b and a == a)


cdef void _stable_order(const double* key, Py_ssize_t n, int64_t* order, int64_t* spare) noexcept nogil:
    """``order`` = numpy.argsort(key, kind="stable"), by a bottom-up merge sort."""
    cdef Py_ssize_t width = 1, start, mid, stop, i, j, k
    for i in range(n):
        order[i] = i
    while width < n:
        start = 0
        while start < n:
            mid, stop = min(start + width, n), min(start + 2 * width, n)
            i, j = start, mid
            for k in range(start, stop):
                if j >= stop or (i < mid and not _before(key[order[j]], key[order[i]])):
                    spare[k] = order[i]
                    i += 1
                else:
                    spare[k] = order[j]
                    j += 1
            start = stop
        for i in range(n):
            order[i] = spare[i]
        width *= 2


def interpolate(
    const double[:, ::1] points, const int64_t[::1] offsets, const int64_t[::1] plane_offsets,
    const double[::1] plane_z, const double[::1] lo, const double[::1] hi,
    int max_subslabs, int end_subslabs, double volume_tolerance, double gap_tolerance,
    double flat_tolerance, double max_growth, double zero,
):
    """The stack of the contours ``points[offsets[c]:offsets[c + 1]]`` on the two or more planes
    ``plane_offsets`` at ``plane_z`` (slabs ``[lo, hi]``) with sub-slabs, or None without any."""
    cdef Py_ssize_t n = plane_z.shape[0], n_contours = offsets.shape[0] - 1, n_points = points.shape[0]
    cdef Py_ssize_t c, i, j, k, p, q, r, t, start, stop, n_gaps = 0, n_selected = 0, largest_contour = 0
    cdef Py_ssize_t n_ends = 0, n_sub, n_kept, n_slabs, n_new_points, at_point, at_contour
    cdef const double* z = &plane_z[0]
    cdef double volume, s, thr, t0, length, x
    cdef bint flat
    cdef _Arena arena = _Arena()
    for c in range(n_contours):
        largest_contour = max(largest_contour, offsets[c + 1] - offsets[c])
    cdef double* cross = arena.doubles(largest_contour)
    cdef double* contour_area = arena.doubles(n_contours)
    cdef double* area = arena.doubles(n)
    cdef double* work = arena.doubles(n)
    cdef double* estimate = arena.doubles(n)
    cdef double* curvature = arena.doubles(n)
    cdef int64_t* gaps = arena.ints(n)
    cdef char* usable = <char*>arena.ints(n)
    cdef char* selected = <char*>arena.ints(n)

    for c in range(n_contours):
        start, stop = offsets[c], offsets[c + 1]
        if stop <= start:
            continue
        for i in range(start, stop - 1):
            cross[i - start] = points[i, 0] * points[i + 1, 1] - points[i + 1, 0] * points[i, 1]
        i = stop - 1
        cross[i - start] = points[i, 0] * points[start, 1] - points[start, 0] * points[i, 1]
        contour_area[c] = fabs(_reduceat(cross, stop - start, 1)) / 2
    for p in range(n):
        area[p] = _reduceat(contour_area + plane_offsets[p], plane_offsets[p + 1] - plane_offsets[p], 1)
        work[p] = area[p] * (hi[p] - lo[p])
        usable[p] = plane_offsets[p + 1] - plane_offsets[p] == 1 and area[p] > 0
    volume = _pairwise(work, n, 1)

    # per gap, the slabs' relative volume error
    if n >= 3:
        for i in range(n - 2):
            curvature[i + 1] = (
                (area[i + 2] - area[i + 1]) / (z[i + 2] - z[i + 1]) - (area[i + 1] - area[i]) / (z[i + 1] - z[i])
            ) / ((z[i + 2] - z[i]) / 2)
        curvature[0], curvature[n - 1] = curvature[1], curvature[n - 2]
        for i in range(n - 1):
            x = z[i + 1] - z[i]
            estimate[i] = x * x * fabs(curvature[i] + curvature[i + 1]) / (12 * _maximum(area[i] + area[i + 1], 1e-300))
    for i in range(n - 1):
        if usable[i] and usable[i + 1] and estimate[i] > gap_tolerance:
            gaps[n_gaps] = i
            work[n_gaps] = estimate[i] * ((z[i + 1] - z[i]) * (area[i] + area[i + 1]) / 2)
            n_gaps += 1
    if _pairwise(work, n_gaps, 1) <= volume_tolerance * volume:
        n_gaps = 0
    cdef Py_ssize_t orders[2][3]
    cdef Py_ssize_t order_size = min(n, 3)
    cdef bint wanted[2]
    for i in range(order_size):
        orders[0][i], orders[1][i] = i, n - 1 - i
    for r in range(2):
        wanted[r] = (
            fabs(area[orders[r][0]] - area[orders[r][1]]) * fabs(z[orders[r][0]] - z[orders[r][1]]) / 2
            > volume_tolerance * volume
        )
    if n_gaps == 0 and not wanted[0] and not wanted[1]:
        return None

    # the moments of the planes fitted
    for q in range(n_gaps):
        for i in range(gaps[q] - 1, gaps[q] + 3):
            if 0 <= i < n:
                selected[i] = True
    for r in range(2):
        if wanted[r]:
            for i in range(order_size):
                selected[orders[r][i]] = True
    for p in range(n):
        selected[p] = selected[p] and usable[p]
        n_selected += selected[p]
    cdef double* centre = arena.doubles(2 * n)
    cdef double* second = arena.doubles(3 * n)
    cdef double* root = arena.doubles(3 * n)
    cdef double* major = arena.doubles(n)
    cdef double* terms = arena.doubles(6 * largest_contour)
    cdef double* fitted_second = arena.doubles(3 * n_selected)
    cdef double* fitted_root = arena.doubles(3 * n_selected)
    cdef double* low = arena.doubles(n_selected)
    cdef double* high = arena.doubles(n_selected)
    cdef double* angle = arena.doubles(n_selected)
    cdef double* scratch = arena.doubles(3 * n_selected)
    j = 0
    for p in range(n):
        if selected[p]:
            c = plane_offsets[p]
            _moments(points, offsets[c], offsets[c + 1], terms, centre + 2 * p, second + 3 * p)
            for i in range(3):
                fitted_second[i * n_selected + j] = second[3 * p + i]
            j += 1
    _eig(fitted_second, fitted_second + n_selected, fitted_second + 2 * n_selected, n_selected, low, high, angle, scratch)
    for j in range(n_selected):
        scratch[j] = sqrt(_maximum(low[j], 0.0))
        scratch[n_selected + j] = sqrt(_maximum(high[j], 0.0))
    _matrix(scratch, scratch + n_selected, angle, n_selected, fitted_root, fitted_second)
    j = 0
    for p in range(n):
        if selected[p]:
            for i in range(3):
                root[3 * p + i] = fitted_root[3 * j + i]
            major[p] = scratch[n_selected + j]
            usable[p] = usable[p] and low[j] > 0
            j += 1
    k = 0
    for q in range(n_gaps):
        if usable[gaps[q]] and usable[gaps[q] + 1]:
            gaps[k] = gaps[q]
            k += 1
    n_gaps = k

    # the ends extrapolated: (end plane, inner plane, fitted planes)
    cdef int64_t end_nodes[2][4]
    cdef Py_ssize_t end_plane[2]
    cdef double end_step[2]
    cdef double end_length[2]
    cdef Py_ssize_t fitted_count, rows = 0
    for r in range(2):
        if not wanted[r]:
            continue
        fitted_count = 0
        while fitted_count < order_size and usable[orders[r][fitted_count]]:
            fitted_count += 1
        if fitted_count == 3 and fabs(
            fabs(z[orders[r][2]] - z[orders[r][1]]) / fabs(z[orders[r][1]] - z[orders[r][0]]) - 1
        ) > 0.1:
            fitted_count = 2
        if fitted_count < 2:
            continue
        for i in range(4):
            end_nodes[rows][i] = -1
        for i in range(fitted_count):
            end_nodes[rows][i] = orders[r][i] if r == 0 else orders[r][fitted_count - 1 - i]
        end_plane[rows] = orders[r][0]
        end_step[rows] = z[orders[r][0]] - z[orders[r][1]]
        rows += 1
    cdef double* at = arena.doubles(END_SAMPLES * 2)
    cdef double* end_low = arena.doubles(END_SAMPLES * 2)
    cdef double* end_high = arena.doubles(END_SAMPLES * 2)
    cdef double* end_angle = arena.doubles(END_SAMPLES * 2)
    cdef double* axes_work = arena.doubles(6 * END_SAMPLES * 2)
    for r in range(rows):
        for t in range(END_SAMPLES):
            at[r * END_SAMPLES + t] = z[end_plane[r]] + end_step[r] * _end_t(t)
    if rows:
        _axes(&end_nodes[0][0], at, rows, END_SAMPLES, z, second, root, major, max_growth,
              end_low, end_high, end_angle, axes_work)
    cdef double* size = end_low
    for i in range(rows * END_SAMPLES):
        size[i] = end_low[i] * end_high[i]
    for r in range(rows):
        s = fabs(end_step[r])
        thr = zero * size[r * END_SAMPLES]
        t = -1
        for i in range(END_SAMPLES):
            if size[r * END_SAMPLES + i] <= thr:
                t = i
                break
        if t >= 0:
            i = t - 1 if t > 0 else END_SAMPLES - 1
            t0 = _end_t(i) + (_end_t(t) - _end_t(i)) * (size[r * END_SAMPLES + i] - thr) / (
                size[r * END_SAMPLES + i] - size[r * END_SAMPLES + t]
            )
            length = s * (t0 if t0 <= 1 else 0.5 + 0.5 / t0)
        else:
            flat = True
            for i in range(FLAT_SAMPLES):
                if not fabs(size[r * END_SAMPLES + i] / size[r * END_SAMPLES] - 1) <= flat_tolerance:
                    flat = False
            if flat:
                continue
            length = s / 2
        end_plane[n_ends] = end_plane[r]
        end_length[n_ends] = copysign(length, end_step[r])
        for i in range(4):
            end_nodes[n_ends][i] = end_nodes[r][i]
        n_ends += 1
    if n_gaps == 0 and n_ends == 0:
        return None

    # the sub-slabs [a, b] of the gaps, then of the ends
    new_lo_array, new_hi_array = np.array(lo), np.array(hi)
    cdef double[::1] slab_lo = new_lo_array, slab_hi = new_hi_array
    cdef int64_t* count = arena.ints(n_gaps)
    cdef double* step = arena.doubles(n_gaps)
    n_sub = n_ends * end_subslabs
    for q in range(n_gaps):
        k = gaps[q]
        count[q] = <int64_t>min(max(ceil(sqrt(estimate[k] / gap_tolerance)), 2.0), <double>max_subslabs)
        step[q] = (z[k + 1] - z[k]) / count[q]
        slab_hi[k] = z[k] + step[q] * 0.5
        slab_lo[k + 1] = z[k] + step[q] * (count[q] - 0.5)
        n_sub += count[q] - 1
    cdef double* a = arena.doubles(n_sub)
    cdef double* b = arena.doubles(n_sub)
    cdef double* sub_centre = arena.doubles(2 * n_sub)
    cdef int64_t* nearest = arena.ints(n_sub)
    cdef int64_t* nodes = arena.ints(4 * n_sub)
    cdef double f
    r = 0
    for q in range(n_gaps):
        k = gaps[q]
        for j in range(count[q] - 1):
            a[r] = z[k] + step[q] * (0.5 + j)
            b[r] = z[k] + step[q] * (1.5 + j)
            f = (a[r] + step[q] / 2 - z[k]) / (z[k + 1] - z[k])
            nearest[r] = k if f < 0.5 else k + 1
            for i in range(2):
                sub_centre[2 * r + i] = centre[2 * k + i] + f * (centre[2 * (k + 1) + i] - centre[2 * k + i])
            nodes[4 * r] = k - 1 if k > 0 and usable[max(k - 1, 0)] else -1
            nodes[4 * r + 1], nodes[4 * r + 2] = k, k + 1
            nodes[4 * r + 3] = k + 2 if k + 2 < n and usable[min(k + 2, n - 1)] else -1
            r += 1
    cdef double* edges = arena.doubles(end_subslabs + 1)
    for q in range(n_ends):
        p = end_plane[q]
        for i in range(end_subslabs + 1):
            edges[i] = z[p] + end_length[q] * ((0.5 + i) / end_subslabs if i < end_subslabs else 1.0)
        if end_length[q] > 0:
            slab_hi[p] = edges[0]
        elif end_length[q] <= 0:
            slab_lo[p] = edges[0]
        for i in range(end_subslabs):
            a[r], b[r] = _minimum(edges[i], edges[i + 1]), _maximum(edges[i], edges[i + 1])
            nearest[r] = p
            sub_centre[2 * r], sub_centre[2 * r + 1] = centre[2 * p], centre[2 * p + 1]
            for j in range(4):
                nodes[4 * r + j] = end_nodes[q][j]
            r += 1

    # their sections: axes at the Gauss points and the middle, area capped, nearest contour mapped
    cdef double* sub_at = arena.doubles(4 * n_sub)
    cdef double* sub_low = arena.doubles(4 * n_sub)
    cdef double* sub_high = arena.doubles(4 * n_sub)
    cdef double* sub_angle = arena.doubles(4 * n_sub)
    cdef double* sub_work = arena.doubles(24 * n_sub)
    for r in range(n_sub):
        for i in range(3):
            sub_at[4 * r + i] = a[r] + (b[r] - a[r]) * GAUSS_T[i]
        sub_at[4 * r + 3] = (a[r] + b[r]) / 2
    _axes(nodes, sub_at, n_sub, 4, z, second, root, major, max_growth, sub_low, sub_high, sub_angle, sub_work)
    cdef double* sub_size = arena.doubles(n_sub)
    cdef double* det = arena.doubles(n_sub)
    cdef int64_t* kept = arena.ints(n_sub)
    cdef double largest, y
    cdef const double* nr
    n_kept = 0
    for r in range(n_sub):
        x = _gauss_sum(sub_low + 4 * r, sub_high + 4 * r, n_sub == 1)
        nr = root + 3 * nearest[r]
        det[r] = nr[0] * nr[2] - nr[1] * nr[1]
        largest = 0.0
        for i in range(4):
            y = area[nodes[4 * r + i]] if nodes[4 * r + i] >= 0 else 0.0
            largest = y if i == 0 else _maximum(largest, y)
        largest = max_growth * largest
        x = x * _minimum(1.0, largest / _maximum(area[nearest[r]] * x / det[r], 1e-300))
        sub_size[r] = x
        if x > 0 and sub_high[4 * r + 3] > 0:
            kept[n_kept] = r
            n_kept += 1
    cdef double* kept_low = arena.doubles(n_kept)
    cdef double* kept_high = arena.doubles(n_kept)
    cdef double* kept_angle = arena.doubles(n_kept)
    cdef double* target = arena.doubles(3 * n_kept)
    cdef double* matrix_work = arena.doubles(2 * n_kept)
    cdef int64_t* new_start = arena.ints(n_kept + 1)
    for q in range(n_kept):
        r = kept[q]
        kept_high[q] = sub_high[4 * r + 3]
        kept_low[q] = sub_size[r] / kept_high[q]
        kept_angle[q] = sub_angle[4 * r + 3]
        c = plane_offsets[nearest[r]]
        new_start[q + 1] = new_start[q] + offsets[c + 1] - offsets[c]
    _matrix(kept_low, kept_high, kept_angle, n_kept, target, matrix_work)
    n_new_points = new_start[n_kept]
    cdef double* new_points = arena.doubles(2 * n_new_points)
    cdef double r0, r1, r2, m00, m01, m10, m11, dx, dy
    cdef const double* tq
    for q in range(n_kept):
        r = kept[q]
        nr, tq = root + 3 * nearest[r], target + 3 * q
        r0, r1, r2 = nr[2] / det[r], -nr[1] / det[r], nr[0] / det[r]
        m00, m01 = tq[0] * r0 + tq[1] * r1, tq[0] * r1 + tq[1] * r2
        m10, m11 = tq[1] * r0 + tq[2] * r1, tq[1] * r1 + tq[2] * r2
        c = plane_offsets[nearest[r]]
        for i in range(offsets[c + 1] - offsets[c]):
            dx = points[offsets[c] + i, 0] - centre[2 * nearest[r]]
            dy = points[offsets[c] + i, 1] - centre[2 * nearest[r] + 1]
            new_points[2 * (new_start[q] + i)] = sub_centre[2 * r] + (m00 * dx + m01 * dy)
            new_points[2 * (new_start[q] + i) + 1] = sub_centre[2 * r + 1] + (m10 * dx + m11 * dy)

    # the planes and the sub-slabs ordered along z
    n_slabs = n + n_kept
    cdef double* key = arena.doubles(n_slabs)
    cdef int64_t* order = arena.ints(n_slabs)
    cdef int64_t* spare = arena.ints(n_slabs)
    for p in range(n):
        key[p] = slab_lo[p]
    for q in range(n_kept):
        key[n + q] = a[kept[q]]
    _stable_order(key, n_slabs, order, spare)
    out_points = np.empty((n_points + n_new_points, 2))
    out_offsets = np.empty(n_contours + n_kept + 1, dtype=np.int64)
    out_planes = np.empty(n_slabs + 1, dtype=np.int64)
    out_lo, out_hi = np.empty(n_slabs), np.empty(n_slabs)
    cdef double[:, ::1] o_points = out_points
    cdef int64_t[::1] o_offsets = out_offsets, o_planes = out_planes
    cdef double[::1] o_lo = out_lo, o_hi = out_hi
    at_point = at_contour = 0
    o_offsets[0] = o_planes[0] = 0
    for t in range(n_slabs):
        q = order[t]
        if q < n:
            o_lo[t], o_hi[t] = slab_lo[q], slab_hi[q]
            for c in range(plane_offsets[q], plane_offsets[q + 1]):
                for i in range(offsets[c], offsets[c + 1]):
                    o_points[at_point, 0], o_points[at_point, 1] = points[i, 0], points[i, 1]
                    at_point += 1
                at_contour += 1
                o_offsets[at_contour] = at_point
        else:
            q -= n
            o_lo[t], o_hi[t] = a[kept[q]], b[kept[q]]
            for i in range(new_start[q], new_start[q + 1]):
                o_points[at_point, 0], o_points[at_point, 1] = new_points[2 * i], new_points[2 * i + 1]
                at_point += 1
            at_contour += 1
            o_offsets[at_contour] = at_point
        o_planes[t + 1] = at_contour
    return out_points, out_offsets, out_planes, out_lo, out_hi
