# Dose sampling of rasterised slabs into an exact cumulative histogram; twin: coverage_sdk._fallback.dvh.
# Every sample (a whole interior cell, or one sub-sample of an edge cell) stands for a column of
# its plane's slab; along z the dose is piecewise linear between the slab's nodes, so each
# node-to-node piece is a uniform dose distribution, accumulated exactly at the bin edges n*h.
# A whole cell inside on consecutive planes is one column through their slabs, bending only at
# dose planes (half as many pieces).
# Inputs are validated by coverage_sdk.dvh.

import numpy as np
from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

from _interp cimport dose_t
from _rounding cimport iceil, ifloor

# fixed shares of the work, whatever the thread count (at most this many threads are busy)
cdef enum:
    BLOCKS = 16


cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define coverage_sdk_prefetch(p) __builtin_prefetch((const void*)(p))
    #else
    #define coverage_sdk_prefetch(p) ((void)(p))
    #endif
    """
    void _prefetch "coverage_sdk_prefetch"(const void* p) noexcept nogil


cdef inline double _zero_unless(double v, bint keep) noexcept nogil:
    # v if keep, else +0.0, through the bits (a compiler turns a select back into a branch)
    cdef uint64_t bits
    memcpy(&bits, &v, 8)
    bits = bits & (<uint64_t>0 - <uint64_t>keep)
    memcpy(&v, &bits, 8)
    return v


cdef inline bint _ramp(double* acc, double m, double ua, double ub, double top) noexcept nogil:
    # a uniform distribution of mass m between doses ua*h and ub*h (ua, ub: the doses divided by h,
    # computed once per node; as x / h is monotonic, min(da / h, db / h) is exactly min(da, db) / h,
    # so the order of the two ends does not matter). acc interleaves the
    # terms per edge: acc[3*n] = P[n], acc[3*n + 1] = A[n], acc[3*n + 2] = B[n]
    # A piece outside [0, top) (a dose changed since its grid was checked, or NaN) is left out
    # and reported (False): the histogram is sized by the checked maximum.
    if ub < ua:
        ua, ub = ub, ua
    if not (ua >= 0.0 and ub < top):
        return False
    cdef int64_t fa = <int64_t>ua, n_lo = fa + 1, n_hi = iceil(ub) - 1  # (ua >= 0: truncation is its floor)
    # (without branches, which the cases would mispredict: a case's missing terms are exact zeros,
    # and adding a zero leaves a term as it was, no term being -0.0)
    cdef double c = _zero_unless(m * (ub - n_lo) / (ub - ua), n_hi == n_lo)
    cdef double beta = _zero_unless(m / (ub - ua), n_hi > n_lo)
    cdef double alpha = beta * ub
    acc[3 * fa] += m - c
    acc[3 * n_lo] += c
    acc[3 * n_lo + 1] += alpha
    acc[3 * n_lo + 2] += beta
    acc[3 * n_hi + 4] -= alpha
    acc[3 * n_hi + 5] -= beta
    return True


cdef struct Sums:
    # of a column's pieces: mass, dose integral, least and greatest dose, pieces left out
    double mass
    double integral
    double least
    double greatest
    double left_out


cdef inline void _piece(
    double* hist, Sums* sums, double m, double da, double db, double ua, double ub, double top,
) noexcept nogil:
    # a piece of mass m from dose da to db (ua, ub: divided by h) into the histogram and the sums
    if not _ramp(hist, m, ua, ub, top):
        sums.left_out = sums.left_out + 1
    sums.mass = sums.mass + m
    sums.integral = sums.integral + m * (da + db) / 2
    sums.least = min(sums.least, db)
    sums.greatest = max(sums.greatest, db)


cdef inline void _add_sums(double* T, const Sums* sums) noexcept nogil:
    T[0] += sums.mass
    T[1] += sums.integral
    T[2] = min(T[2], sums.least)
    T[3] = max(T[3], sums.greatest)
    T[4] += sums.left_out


cdef inline void _sub_axis(
    double b0, int64_t cell, int n, double sub, double lo, double hi, double step, Py_ssize_t size,
    double* frac, int64_t* at,
) noexcept nogil:
    """Grid cell and fraction, on an evenly spaced axis of ``size`` points from ``lo`` to ``hi``,
    of each of the n sub-sample positions of a lattice cell (clamped to the axis)."""
    cdef int s
    cdef double f
    cdef int64_t k
    for s in range(n):
        f = (min(max(b0 + ((cell * n + s) + 0.5) * sub, lo), hi) - lo) / step
        k = ifloor(f)
        k = 0 if k < 0 else (size - 2 if k > size - 2 else k)
        f = f - k
        frac[s] = 0.0 if f < 0.0 else (1.0 if f > 1.0 else f)
        at[s] = k


cdef inline void _cell_columns(
    double* hist, double* T, const dose_t* d, Py_ssize_t plane, Py_ssize_t nx, int S, const double* fx,
    const int64_t* ix, const double* fy, const int64_t* jy, const uint64_t* mask, const int64_t* nk, const double* nf,
    const double* npos, int64_t a, int64_t b, double weight, double h, double top, double* scratch,
) noexcept nogil:
    # the dose pieces of the columns of a cell's S x S sub-samples (bit t*S + s of mask; all without
    # one), nodes a .. b-1, weight = a sub-sample's area, sub-sample by sub-sample in the order t, s.
    # The dose at every node of every such sub-sample comes first, trilinear (as ext/_interp.pxd;
    # f == 0 or 1 gives exactly one plane's value, as the full formula would), each plane's
    # interpolation along x shared by the sub-samples of a sub-column, and its quotient by h (n
    # sub-samples side by side); then the pieces.
    # T accumulates [mass, dose integral, min, max, pieces left out] (a column's sums first).
    # scratch: (S + 1) * S + (3 * (b - a) + 1) * S * S doubles
    cdef int SS = S * S, t, s, q, r, u, n_rows = <int>(jy[S - 1] + 2 - jy[0])
    cdef int64_t k, n, k_lo = nk[a] + (nf[a] == 1.0), k_hi = k_lo
    cdef double f, da, db, ua, ub
    cdef Sums sums
    cdef const dose_t* row
    cdef double* lerp = scratch
    cdef double* pv = scratch + (S + 1) * S
    cdef double* nv
    cdef double* nq
    cdef double* p0
    cdef double* p1
    for n in range(a, b):
        k_lo = min(k_lo, nk[n] + (nf[n] == 1.0))
        k_hi = max(k_hi, nk[n] + (nf[n] != 0.0))
    nv = pv + (k_hi - k_lo + 1) * SS
    nq = nv + (b - a) * SS
    for k in range(k_lo, k_hi + 1):
        for r in range(n_rows):
            row = d + k * plane + (jy[0] + r) * nx
            for s in range(S):
                lerp[r * S + s] = row[ix[s]] * (1 - fx[s]) + row[ix[s] + 1] * fx[s]
        p0 = pv + (k - k_lo) * SS
        u = 0
        for t in range(S):
            r = <int>(jy[t] - jy[0])
            for s in range(S):
                q = t * S + s
                if mask == NULL or (mask[q >> 6] >> (q & 63)) & 1:
                    p0[u] = lerp[r * S + s] * (1 - fy[t]) + lerp[(r + 1) * S + s] * fy[t]
                    u = u + 1
    for n in range(a, b):
        f = nf[n]
        p0 = pv + (nk[n] - k_lo) * SS
        p1 = p0 + SS
        if f == 0.0:
            for q in range(u):
                nv[(n - a) * u + q] = p0[q]
        elif f == 1.0:
            for q in range(u):
                nv[(n - a) * u + q] = p1[q]
        else:
            for q in range(u):
                nv[(n - a) * u + q] = p0[q] * (1 - f) + p1[q] * f
    for q in range((b - a) * u):
        nq[q] = nv[q] / h
    for q in range(u):
        sums.mass = 0.0
        sums.integral = 0.0
        sums.least = nv[q]
        sums.greatest = nv[q]
        sums.left_out = 0.0
        da = nv[q]
        ua = nq[q]
        for n in range(a + 1, b):
            db = nv[(n - a) * u + q]
            ub = nq[(n - a) * u + q]
            _piece(hist, &sums, weight * (npos[n] - npos[n - 1]), da, db, ua, ub, top)
            da = db
            ua = ub
        _add_sums(T, &sums)


cdef inline double* _fresh(double* T) noexcept nogil:
    # T: [mass, dose integral, min, max, pieces left out] of the pieces of one run, row or cell
    T[0] = 0.0
    T[1] = 0.0
    T[2] = INFINITY
    T[3] = -INFINITY
    T[4] = 0.0
    return T


cdef inline void _commit(double* total, const double* T, double outside) noexcept nogil:
    # total: a thread's [inside mm3, outside mm3, dose integral, min, max, pieces left out]
    total[0] += T[0]
    total[1] += outside
    total[2] += T[1]
    total[3] = min(total[3], T[2])
    total[4] = max(total[4], T[3])
    total[5] += T[4]


cdef inline double _whole(const dose_t* cell, Py_ssize_t plane, int64_t k, double f) noexcept nogil:
    # the voxel-centre dose of a whole cell at a node between planes k and k + 1 (f == 0: plane k exactly)
    if f == 0.0:
        return cell[k * plane]
    return (1 - f) * cell[k * plane] + f * cell[(k + 1) * plane]


cdef inline void _advance(
    double* hist, double* T, const dose_t* cell, Py_ssize_t plane, const int64_t* nk, const double* nf,
    const double* npos, const unsigned char* keep, int64_t b, bint to_end, double area, double h, double top,
    int64_t* at, double* value,
) noexcept nogil:
    # a whole cell's column, from node at[0] (dose value[0], value[1] = value[0] / h) through the kept
    # nodes up to node b (and to b itself when to_end): its dose pieces; at and value move to the
    # last node reached
    cdef int64_t n, last = at[0]
    cdef double da = value[0], db, ua = value[1], ub
    cdef Sums sums
    sums.mass = 0.0
    sums.integral = 0.0
    sums.least = value[0]
    sums.greatest = value[0]
    sums.left_out = 0.0
    for n in range(last + 1, b + 1):
        if not keep[n] and not (to_end and n == b):
            continue
        db = _whole(cell, plane, nk[n], nf[n])
        ub = db / h
        _piece(hist, &sums, area * (npos[n] - npos[last]), da, db, ua, ub, top)
        da = db
        ua = ub
        last = n
    at[0] = last
    value[0] = da
    value[1] = ua
    _add_sums(T, &sums)


cdef inline void _close_columns(
    double* hist, double* T, const dose_t* row, Py_ssize_t plane, const int64_t* nk, const double* nf,
    const double* npos, const unsigned char* keep, const int64_t* node_offsets, const int64_t* runs,
    const int64_t* row_order, int64_t q0, int64_t q1, int64_t p0, int64_t p1, int64_t q, int64_t* ce, int64_t* at,
    double* value, Py_ssize_t nx, double area, double h, double top,
) noexcept nogil:
    # end the columns still open at plane q's cells: those of its runs row_order[q0:q1] that the
    # next plane's runs row_order[p0:p1] do not cover (runs is the (n, 4) run table; both lists
    # are in increasing order along the row and disjoint within themselves)
    cdef int64_t w, r, i, c, e, i1, w2 = p0
    for w in range(q0, q1):
        r = row_order[w]
        c = max(runs[4 * r + 2], 0)
        i1 = min(runs[4 * r + 3], nx)
        while c < i1:
            while w2 < p1 and min(runs[4 * row_order[w2] + 3], nx) <= c:
                w2 = w2 + 1
            if w2 < p1 and max(runs[4 * row_order[w2] + 2], 0) <= c:
                c = min(runs[4 * row_order[w2] + 3], nx)
                continue
            e = i1 if w2 >= p1 else min(i1, max(runs[4 * row_order[w2] + 2], 0))
            for i in range(c, e):
                _advance(hist, T, row + i, plane, nk, nf, npos, keep, node_offsets[q + 1] - 1, True, area, h, top,
                         &at[i], value + 2 * i)
                ce[i] = -1
            c = e


cdef inline Py_ssize_t _count_at_most(const double* z, Py_ssize_t n, double v) noexcept nogil:
    # how many of the increasing z are <= v (numpy's searchsorted side="right")
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if z[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef inline Py_ssize_t _count_below(const double* z, Py_ssize_t n, double v) noexcept nogil:
    # how many of the increasing z are < v (side="left")
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if z[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef inline double _clip(double v, double lo, double hi) noexcept nogil:
    # as numpy's clip (which of two equal zeros it gives included)
    v = v if v > lo else lo
    return v if v < hi else hi


cdef struct Nodes:
    # per plane: where its nodes start (node_offsets[p] .. node_offsets[p + 1] - 1), its slab's
    # thickness and the part of it outside the grid; per node: z, the dose plane pair k, k + 1
    # and weight f at its z clamped to the grid, and whether a column through several slabs bends there
    int64_t* offsets
    double* slab
    double* outside
    double* pos
    int64_t* k
    double* f
    unsigned char* keep


cdef int _plan_nodes(const double* lo, const double* hi, Py_ssize_t n_planes, const double* z, Py_ssize_t nz,
                     Nodes* out) noexcept nogil:
    # the z nodes of each slab's part inside the grid, between which dose is linear: its ends and the
    # dose planes strictly inside it (0 on malloc failure)
    cdef double z_lo = z[0] - (z[1] - z[0]) / 2, z_hi = z[nz - 1] + (z[nz - 1] - z[nz - 2]) / 2
    cdef double za, zb, pos, zeval, f
    cdef Py_ssize_t p, first, count, rank, n, kk
    out.offsets = <int64_t*>malloc((n_planes + 1) * sizeof(int64_t))
    out.slab = <double*>malloc((2 * n_planes + 1) * sizeof(double))
    if out.offsets == NULL or out.slab == NULL:
        return 0
    out.outside = out.slab + n_planes
    out.offsets[0] = 0
    for p in range(n_planes):
        za = lo[p] if lo[p] >= z_lo else z_lo
        zb = hi[p] if hi[p] <= z_hi else z_hi
        count = _count_below(z, nz, zb) - _count_at_most(z, nz, za) + 2 if za < zb else 0
        out.offsets[p + 1] = out.offsets[p] + count
        out.slab[p] = hi[p] - lo[p]
        out.outside[p] = out.slab[p] - (zb - za if za < zb else 0.0)
    n = out.offsets[n_planes]
    out.pos = <double*>malloc((2 * n + 1) * sizeof(double))
    out.k = <int64_t*>malloc((n + 1) * sizeof(int64_t))
    out.keep = <unsigned char*>malloc(n + 1)
    if out.pos == NULL or out.k == NULL or out.keep == NULL:
        return 0
    out.f = out.pos + n
    for p in range(n_planes):
        count = out.offsets[p + 1] - out.offsets[p]
        if count == 0:
            continue
        za = lo[p] if lo[p] >= z_lo else z_lo
        zb = hi[p] if hi[p] <= z_hi else z_hi
        first = _count_at_most(z, nz, za)
        for rank in range(count):
            if rank == 0:
                pos = za
            elif rank == count - 1:
                pos = zb
            else:
                pos = z[min(max(first + rank - 1, 0), nz - 1)]
            zeval = _clip(pos, z[0], z[nz - 1])
            kk = min(max(_count_at_most(z, nz, zeval) - 1, 0), nz - 2)
            f = _clip((zeval - z[kk]) / (z[kk + 1] - z[kk]), 0.0, 1.0)
            n = out.offsets[p] + rank
            out.pos[n] = pos
            out.k[n] = kk
            out.f[n] = f
            out.keep[n] = rank > 0 and (rank < count - 1 or f == 0.0 or f == 1.0)
    return 1


cdef int64_t _rows_of(const int64_t* runs, Py_ssize_t n_runs, int64_t* order, int64_t** groups) noexcept nogil:
    # the runs by row, then plane (they come by plane, then row) into order, and where each row
    # starts in it (groups, n_rows + 1 entries; malloc'd here): the number of rows, -1 on malloc failure
    cdef int64_t j_min = 0, j_max = -1, r, n_rows = 0, c
    cdef int64_t* at
    for r in range(n_runs):
        if r == 0 or runs[4 * r + 1] < j_min:
            j_min = runs[4 * r + 1]
        if r == 0 or runs[4 * r + 1] > j_max:
            j_max = runs[4 * r + 1]
    at = <int64_t*>calloc(j_max - j_min + 2, sizeof(int64_t))
    groups[0] = <int64_t*>malloc((j_max - j_min + 2) * sizeof(int64_t))
    if at == NULL or groups[0] == NULL:
        free(at)
        return -1
    for r in range(n_runs):
        at[runs[4 * r + 1] - j_min + 1] += 1
    groups[0][0] = 0
    for r in range(j_max - j_min + 1):
        c = at[r + 1]
        at[r + 1] = at[r] + c
        if c:
            n_rows += 1
            groups[0][n_rows] = at[r + 1]
    for r in range(n_runs):
        order[at[runs[4 * r + 1] - j_min]] = r
        at[runs[4 * r + 1] - j_min] += 1
    free(at)
    return n_rows


cdef inline double _sum_blocks(const double* v, Py_ssize_t stride) noexcept nogil:
    # the sum of BLOCKS values stride apart, in the order numpy's sum takes them (eight partial
    # sums of values eight apart, added as a tree)
    cdef double r[8]
    cdef int q
    for q in range(8):
        r[q] = v[q * stride] + v[(q + 8) * stride]
    return 0.0 + (((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])))


cdef inline double _extreme(const double* v, Py_ssize_t stride, bint greatest) noexcept nogil:
    # the least (greatest) of BLOCKS values stride apart, NaN if any is (as numpy's min and max)
    cdef double r = v[0], x
    cdef int q
    for q in range(1, BLOCKS):
        if r != r:
            break
        x = v[q * stride]
        if x != x or (x > r if greatest else x < r):
            r = x
    return r


cdef inline void _touched(const double* tb, double h, Py_ssize_t n_edges, int64_t* span) noexcept nogil:
    # the bins a block's pieces may have written, from its least and greatest dose (all of them
    # where those are not finite doses in range; none where it has no pieces)
    if tb[3] > tb[4]:
        span[0] = 0
        span[1] = -1
    elif tb[3] >= 0.0 and tb[4] / h < n_edges - 1:
        span[0] = ifloor(tb[3] / h)
        span[1] = iceil(tb[4] / h)
    else:
        span[0] = 0
        span[1] = n_edges - 1


def accumulate(
    const dose_t[:, :, ::1] dose, const double[::1] x, const double[::1] y, const double[::1] z,
    const int64_t[:, ::1] runs, const int64_t[:, ::1] cells, const uint64_t[:, ::1] masks, int S, int n_inner,
    double xb0, double dx, double yb0, double dy, const double[::1] lo, const double[::1] hi,
    double h, Py_ssize_t n_edges, int threads,
):
    """The cumulative histogram at the bin edges ``n * h`` (mm3; clipped to ``[0, inside]`` and
    non-increasing when anything is inside) and ``[inside mm3, outside mm3, dose integral, min,
    max, pieces left out]``; a piece is left out when its dose is negative, NaN or at least
    ``h * (n_edges - 2)``.

    Plane ``p`` stands for the slab ``lo[p] .. hi[p]``. Whole interior cells (``n_inner == 1``)
    are taken row by row: a cell inside on consecutive planes is one column, whose dose pieces
    meet only where it bends (a slab boundary inside a dose interval is not a bend of the dose,
    so its two pieces are one).
    """
    cdef Py_ssize_t nz = dose.shape[0], ny = dose.shape[1], nx = dose.shape[2], plane = nx * ny
    cdef Py_ssize_t n_planes = lo.shape[0], n_runs = runs.shape[0]
    cdef Py_ssize_t stride = (3 * n_edges + 7) // 8 * 8 + 8
    cdef Py_ssize_t n_scratch = max(S, n_inner), lateral_stride = (2 * n_scratch + 7) // 8 * 8 + 8
    cdef Nodes nodes
    nodes.offsets = NULL
    nodes.slab = NULL
    nodes.pos = NULL
    nodes.k = NULL
    nodes.keep = NULL
    # per thread: a histogram (all zero between blocks), [mass, integral, min, max] of a run or cell,
    # and scratch; per block: the bins it touched, copied out of its thread's histogram, and its
    # totals (rows padded so that no two threads share a cache line)
    cdef double* scratch = <double*>calloc(threads * stride, sizeof(double))
    cdef double* kept = <double*>malloc(BLOCKS * stride * sizeof(double))
    cdef int64_t* spans = <int64_t*>malloc(2 * BLOCKS * sizeof(int64_t))
    cdef double* tot = <double*>calloc(BLOCKS * 16, sizeof(double))
    cdef double* stats = <double*>calloc(threads * 16, sizeof(double))
    cdef double* lateral = <double*>malloc(threads * lateral_stride * sizeof(double))
    cdef int64_t* corner_at = <int64_t*>malloc(threads * lateral_stride * sizeof(int64_t))
    cdef double* samples = NULL
    cdef Py_ssize_t samples_stride = 0
    cdef int64_t* column_at = <int64_t*>malloc(threads * (nx + 8) * sizeof(int64_t))
    cdef double* column_value = <double*>malloc(threads * 2 * (nx + 8) * sizeof(double))
    cdef double* column_ahead = <double*>malloc(threads * 2 * (nx + 8) * sizeof(double))
    cdef int64_t* column_end = <int64_t*>malloc(threads * (nx + 8) * sizeof(int64_t))
    cdef int64_t* row_order = <int64_t*>malloc((n_runs + 1) * sizeof(int64_t))
    cdef int64_t* row_groups = NULL
    cdef Py_ssize_t n_rows = 0
    cdef Py_ssize_t w, r, e, g, tid, blk
    cdef Py_ssize_t n_subdivided = n_runs if n_inner > 1 else 0
    cdef Py_ssize_t n_cells = cells.shape[0]
    cdef double* tb
    cdef double top = n_edges - 2
    cdef double area = dx * dy, sub_area = area / (S * S), sdx = dx / S, sdy = dy / S
    cdef const dose_t* d = &dose[0, 0, 0]
    cdef double x0 = x[0], sx = x[1] - x[0], y0 = y[0], sy = y[1] - y[0], xl = x[nx - 1], yl = y[ny - 1]
    cdef double inner_area = area / (n_inner * n_inner), idx = dx / n_inner, idy = dy / n_inner
    cdef double da, db, ub, t_out
    cdef double* T
    cdef double* fxp
    cdef double* fyp
    cdef int64_t* ixp
    cdef int64_t* jyp
    cdef int64_t row_at, p, j, i, a, b, n, bit, t, s, i0, i1, u, v, q, q0, q1, ww, nl, n1, k1
    cdef double f1, m1, s_mass, s_int, s_min, s_max
    cdef int64_t* at
    cdef double* value
    cdef double* ahead
    cdef int64_t* ce
    cdef const int64_t* node_offsets
    cdef const double* npos
    cdef const int64_t* nk
    cdef const double* nf
    cdef const unsigned char* keep
    cdef const double* plane_slab
    cdef const double* plane_outside
    cdef const int64_t* rn = &runs[0, 0] if n_runs else NULL
    cdef bint live, chain
    cdef const dose_t* row
    cdef double* hist
    cdef int64_t* span
    cdef bint ready = (scratch != NULL and kept != NULL and spans != NULL and tot != NULL and stats != NULL
                       and lateral != NULL and corner_at != NULL and column_at != NULL and column_value != NULL
                       and column_ahead != NULL and column_end != NULL and row_order != NULL)
    try:
        if ready:
            ready = _plan_nodes(&lo[0] if n_planes else NULL, &hi[0] if n_planes else NULL, n_planes, &z[0], nz, &nodes)
        if ready and n_inner == 1:
            n_rows = _rows_of(rn, n_runs, row_order, &row_groups)
            ready = n_rows >= 0
        if not ready:
            raise MemoryError()
        node_offsets = nodes.offsets
        for w in range(n_planes):
            samples_stride = max(samples_stride, node_offsets[w + 1] - node_offsets[w])
        samples_stride = ((n_scratch + 1) * n_scratch + (3 * samples_stride + 1) * n_scratch * n_scratch + 7) // 8 * 8 + 8
        samples = <double*>malloc(threads * samples_stride * sizeof(double))
        if samples == NULL:
            raise MemoryError()
        npos = nodes.pos
        nk = nodes.k
        nf = nodes.f
        keep = nodes.keep
        plane_slab = nodes.slab
        plane_outside = nodes.outside
        for w in range(BLOCKS):
            tot[16 * w + 3] = INFINITY
            tot[16 * w + 4] = -INFINITY

        # one parallel region; block blk takes a fixed share of the subdivided runs, the rows and the edge
        # cells, in order, into its own histogram and totals, which are summed in block order: the
        # result does not depend on the thread count or on which thread ran which block
        for blk in prange(BLOCKS, nogil=True, num_threads=threads, schedule="dynamic", chunksize=1):
            tid = threadid()
            hist = scratch + tid * stride
            tb = tot + 16 * blk
            # interior cells subdivided (small structures): each sub-sample's column, plane by plane
            for r in range(blk * n_subdivided // BLOCKS, (blk + 1) * n_subdivided // BLOCKS):
                p = runs[r, 0]
                j = runs[r, 1]
                i0 = runs[r, 2]
                i1 = runs[r, 3]
                if j < 0 or j >= ny:
                    tb[1] += area * plane_slab[p] * (i1 - i0)
                    continue
                if i0 < 0:
                    tb[1] += area * plane_slab[p] * (min(i1, 0) - i0)
                    i0 = 0
                if i1 > nx:
                    tb[1] += area * plane_slab[p] * (i1 - max(i0, nx))
                    i1 = nx
                if i1 <= i0:
                    continue
                tb[1] += area * plane_outside[p] * (i1 - i0)
                a = node_offsets[p]
                b = node_offsets[p + 1]
                if a + 1 >= b:
                    continue
                T = _fresh(stats + 16 * tid)
                # (fractions go to per-thread scratch: a prange variable set only through its address
                # is not made private by Cython, and threads would share it)
                fxp = lateral + tid * lateral_stride
                fyp = fxp + n_scratch
                ixp = corner_at + tid * lateral_stride
                jyp = ixp + n_scratch
                _sub_axis(yb0, j, n_inner, idy, y0, yl, sy, ny, fyp, jyp)
                for i in range(i0, i1):
                    _sub_axis(xb0, i, n_inner, idx, x0, xl, sx, nx, fxp, ixp)
                    _cell_columns(hist, T, d, plane, nx, n_inner, fxp, ixp, fyp, jyp, NULL, nk, nf, npos, a, b, inner_area,
                                  h, top, samples + tid * samples_stride)
                _commit(tb, T, 0.0)

            for g in range(blk * n_rows // BLOCKS, (blk + 1) * n_rows // BLOCKS):
                # one row of whole interior cells, plane by plane (reading the dose row by row): ce[i] is
                # the last plane of the column open at cell i (-1: none), at[i] and value[i] the node its
                # pieces have reached and the dose there; q is the last plane with nodes, whose runs are
                # row_order[q0:q1]; a column ends where its cell is not inside the next plane
                T = _fresh(stats + 16 * tid)
                t_out = 0.0
                at = column_at + tid * (nx + 8)
                value = column_value + tid * 2 * (nx + 8)
                ce = column_end + tid * (nx + 8)
                for i in range(nx):
                    ce[i] = -1
                j = runs[row_order[row_groups[g]], 1]
                q = -3
                q0 = 0
                q1 = 0
                u = row_groups[g]
                while u < row_groups[g + 1]:
                    p = runs[row_order[u], 0]
                    v = u
                    while v < row_groups[g + 1] and runs[row_order[v], 0] == p:
                        v = v + 1
                    live = j >= 0 and j < ny and node_offsets[p] + 1 < node_offsets[p + 1]
                    chain = live and p == q + 1
                    # a column continued from plane q has reached q's last kept node nl; where one kept node
                    # n1 follows it up to p's last node, the column's piece in p is nl -> n1, the same for
                    # every such cell (taken below without walking the nodes)
                    n1 = -1
                    if chain:
                        nl = -1
                        for n in range(node_offsets[q] + 1, node_offsets[q + 1]):
                            if keep[n]:
                                nl = n
                        if nl >= 0:
                            for n in range(nl + 1, node_offsets[p + 1]):
                                if keep[n]:
                                    n1 = n if n1 == -1 else -2
                        if n1 >= 0:
                            k1 = nk[n1]
                            f1 = nf[n1]
                            m1 = area * (npos[n1] - npos[nl])
                    for ww in range(u, v):
                        r = row_order[ww]
                        i0 = runs[r, 2]
                        i1 = runs[r, 3]
                        if not (j >= 0 and j < ny):
                            t_out = t_out + area * plane_slab[p] * (i1 - i0)
                            continue
                        if i0 < 0:
                            t_out = t_out + area * plane_slab[p] * (min(i1, 0) - i0)
                            i0 = 0
                        if i1 > nx:
                            t_out = t_out + area * plane_slab[p] * (i1 - max(i0, nx))
                            i1 = nx
                        if i1 <= i0:
                            continue
                        t_out = t_out + area * plane_outside[p] * (i1 - i0)
                        if not live:
                            continue
                        row = d + j * nx
                        a = node_offsets[p]
                        b = node_offsets[p + 1] - 1
                        if n1 >= 0:
                            # the dose at n1 of every cell of the run and its quotient by h, ahead of
                            # the pieces (so that the loops vectorise)
                            ahead = column_ahead + tid * 2 * (nx + 8)
                            if f1 == 0.0:
                                for i in range(i0, i1):
                                    ahead[i] = row[i + k1 * plane]
                            else:
                                for i in range(i0, i1):
                                    ahead[i] = (1 - f1) * row[i + k1 * plane] + f1 * row[i + (k1 + 1) * plane]
                            for i in range(i0, i1):
                                ahead[nx + 8 + i] = ahead[i] / h
                            # (the next dose plane's stretch of this row, which the row's next plane reads)
                            for i in range(i0, i1, 8):
                                _prefetch(row + i + (k1 + 1) * plane)
                        # (the run's sums in registers while its columns go on without bends)
                        s_mass = T[0]
                        s_int = T[1]
                        s_min = T[2]
                        s_max = T[3]
                        for i in range(i0, i1):
                            if n1 >= 0 and ce[i] == q and at[i] == nl:
                                # (as _advance would: the same operations in the same order)
                                da = value[2 * i]
                                db = ahead[i]
                                ub = ahead[nx + 8 + i]
                                if not _ramp(hist, m1, value[2 * i + 1], ub, top):
                                    T[4] += 1
                                s_mass = s_mass + m1
                                s_int = s_int + m1 * (da + db) / 2
                                s_min = min(s_min, min(da, db))
                                s_max = max(s_max, max(da, db))
                                at[i] = n1
                                value[2 * i] = db
                                value[2 * i + 1] = ub
                                ce[i] = p
                                continue
                            T[0] = s_mass
                            T[1] = s_int
                            T[2] = s_min
                            T[3] = s_max
                            if not (ce[i] == q and chain):
                                if ce[i] == q:
                                    _advance(hist, T, row + i, plane, nk, nf, npos, keep, node_offsets[q + 1] - 1, True, area, h,
                                             top, &at[i], value + 2 * i)
                                at[i] = a
                                value[2 * i] = _whole(row + i, plane, nk[a], nf[a])
                                value[2 * i + 1] = value[2 * i] / h
                            _advance(hist, T, row + i, plane, nk, nf, npos, keep, b, False, area, h, top, &at[i], value + 2 * i)
                            ce[i] = p
                            s_mass = T[0]
                            s_int = T[1]
                            s_min = T[2]
                            s_max = T[3]
                        T[0] = s_mass
                        T[1] = s_int
                        T[2] = s_min
                        T[3] = s_max
                    if not live:
                        u = v
                        continue
                    _close_columns(hist, T, d + j * nx, plane, nk, nf, npos, keep, node_offsets, rn, row_order, q0, q1, u, v, q, ce, at, value, nx, area, h,
                                   top)
                    q = p
                    q0 = u
                    q1 = v
                    u = v
                if j >= 0 and j < ny:
                    _close_columns(hist, T, d + j * nx, plane, nk, nf, npos, keep, node_offsets, rn, row_order, q0, q1, q1, q1, q, ce, at, value, nx,
                                   area, h, top)
                _commit(tb, T, t_out)

            # (the cells come by plane, then row: a row's sub-rows are found once for its cells in turn)
            row_at = -1
            for e in range(blk * n_cells // BLOCKS, (blk + 1) * n_cells // BLOCKS):
                p = cells[e, 0]
                j = cells[e, 1]
                i = cells[e, 2]
                a = node_offsets[p]
                b = node_offsets[p + 1]
                T = _fresh(stats + 16 * tid)
                t_out = 0.0
                if j < 0 or j >= ny or i < 0 or i >= nx:
                    for bit in range(S * S):
                        if (masks[e, bit >> 6] >> (bit & 63)) & 1:
                            t_out = t_out + sub_area * plane_slab[p]
                else:
                    # the lateral interpolation of sub-column s and sub-row t, shared by the cell's samples
                    fxp = lateral + tid * lateral_stride
                    fyp = fxp + n_scratch
                    ixp = corner_at + tid * lateral_stride
                    jyp = ixp + n_scratch
                    _sub_axis(xb0, i, S, sdx, x0, xl, sx, nx, fxp, ixp)
                    if j != row_at:
                        _sub_axis(yb0, j, S, sdy, y0, yl, sy, ny, fyp, jyp)
                        row_at = j
                    for bit in range(S * S):
                        if (masks[e, bit >> 6] >> (bit & 63)) & 1:
                            t_out = t_out + sub_area * plane_outside[p]
                    if a + 1 < b:
                        _cell_columns(hist, T, d, plane, nx, S, fxp, ixp, fyp, jyp, &masks[e, 0], nk, nf, npos, a, b, sub_area,
                                      h, top, samples + tid * samples_stride)
                _commit(tb, T, t_out)

            # the block's touched bins leave its thread's histogram, which is zero again after
            span = spans + 2 * blk
            _touched(tb, h, n_edges, span)
            if span[0] <= span[1]:
                memcpy(kept + blk * stride + 3 * span[0], hist + 3 * span[0], 3 * (span[1] - span[0] + 1) * sizeof(double))
                memset(hist + 3 * span[0], 0, 3 * (span[1] - span[0] + 1) * sizeof(double))

        return _cumulative(kept, stride, spans, n_edges, tot), np.array([
            _sum_blocks(tot, 16), _sum_blocks(tot + 1, 16), _sum_blocks(tot + 2, 16), _extreme(tot + 3, 16, False),
            _extreme(tot + 4, 16, True), _sum_blocks(tot + 5, 16)])
    finally:
        free(nodes.offsets); free(nodes.slab); free(nodes.pos); free(nodes.k); free(nodes.keep)
        free(scratch); free(kept); free(spans); free(tot); free(stats); free(lateral); free(corner_at); free(samples)
        free(column_at); free(column_value); free(column_ahead); free(column_end); free(row_order); free(row_groups)


cdef _cumulative(const double* kept, Py_ssize_t stride, const int64_t* spans, Py_ssize_t n_edges, const double* tot):
    # the blocks' histograms summed in block order (a block adds nothing outside its touched bins),
    # then the volume at least at each edge: sum(P[n:]) + sum(A[:n + 1]) - sum(B[:n + 1]) * n
    # (sums in numpy's cumsum order), clipped to [0, inside]
    cdef double[::1] out = np.empty(n_edges)
    cdef double* terms = <double*>calloc(3 * n_edges + 1, sizeof(double))
    cdef Py_ssize_t blk, n
    cdef double upper, a_sum = 0.0, b_sum = 0.0, inside = _sum_blocks(tot, 16), c, least
    if terms == NULL:
        raise MemoryError()
    for blk in range(BLOCKS):
        for n in range(3 * spans[2 * blk], 3 * spans[2 * blk + 1] + 3):
            terms[n] += kept[blk * stride + n]
    if n_edges:
        upper = terms[3 * (n_edges - 1)]
        out[n_edges - 1] = upper
        for n in range(n_edges - 2, -1, -1):
            upper = upper + terms[3 * n]
            out[n] = upper
    for n in range(n_edges):
        a_sum = terms[3 * n + 1] if n == 0 else a_sum + terms[3 * n + 1]
        b_sum = terms[3 * n + 2] if n == 0 else b_sum + terms[3 * n + 2]
        out[n] = (out[n] + a_sum) - b_sum * <double>n
    free(terms)
    if inside > 0:
        least = INFINITY
        for n in range(n_edges):
            c = _clip(out[n], 0.0, inside)
            if c > inside * (1 - 1e-12):
                c = inside
            if c < inside * 1e-12:
                c = 0.0
            least = c if c < least else least
            out[n] = least
    return np.asarray(out)
