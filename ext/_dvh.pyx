# Dose sampling of rasterised slabs into an exact cumulative histogram; twin: coverage_sdk._fallback.dvh.
# Every sample (a whole interior cell, or one sub-sample of an edge cell) stands for a column of
# its plane's slab; along z the dose is piecewise linear between the slab's nodes, so each
# node-to-node piece is a uniform dose distribution, accumulated exactly at the bin edges n*h.
# Inputs are validated by coverage_sdk.dvh.

import numpy as np
from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY
from libc.stdint cimport int64_t, uint64_t


cdef inline int64_t _ifloor(double v) noexcept nogil:
    # floor(v) as an integer without a libm call (exact for |v| < 2**63)
    cdef int64_t k = <int64_t>v
    return k - 1 if k > v else k


cdef inline int64_t _iceil(double v) noexcept nogil:
    cdef int64_t k = <int64_t>v
    return k + 1 if k < v else k


cdef inline void _ramp(double* acc, double m, double ua, double ub) noexcept nogil:
    # a uniform distribution of mass m between doses ua*h and ub*h (ua, ub: the doses divided by h,
    # computed once per node; as x / h is monotonic, min(da / h, db / h) is exactly min(da, db) / h,
    # so the order of the two ends does not matter). acc interleaves the
    # terms per edge: acc[3*n] = P[n], acc[3*n + 1] = A[n], acc[3*n + 2] = B[n]
    cdef double c, beta, alpha
    if ub < ua:
        ua, ub = ub, ua
    cdef int64_t fa = _ifloor(ua), n_lo = fa + 1, n_hi = _iceil(ub) - 1
    if n_hi < n_lo:
        acc[3 * fa] += m
    elif n_hi == n_lo:
        c = m * (ub - n_lo) / (ub - ua)
        acc[3 * fa] += m - c
        acc[3 * n_lo] += c
    else:
        acc[3 * fa] += m
        beta = m / (ub - ua)
        alpha = beta * ub
        acc[3 * n_lo + 1] += alpha
        acc[3 * n_lo + 2] += beta
        acc[3 * n_hi + 4] -= alpha
        acc[3 * n_hi + 5] -= beta


cdef inline Py_ssize_t _locate(
    double p, double lo, double hi, double origin, double step, Py_ssize_t n, double* frac
) noexcept nogil:
    """Cell index and fraction of ``p`` (clamped to [lo, hi]) on an evenly spaced axis of n points."""
    cdef double f = (min(max(p, lo), hi) - origin) / step
    cdef Py_ssize_t k = _ifloor(f)
    k = 0 if k < 0 else (n - 2 if k > n - 2 else k)
    f = f - k
    frac[0] = 0.0 if f < 0.0 else (1.0 if f > 1.0 else f)
    return k


cdef inline double _bilinear(const double* a, Py_ssize_t nx, double fx, double fy) noexcept nogil:
    return (a[0] * (1 - fx) + a[1] * fx) * (1 - fy) + (a[nx] * (1 - fx) + a[nx + 1] * fx) * fy


cdef inline double _plane_value(
    const double* corner, int64_t k, Py_ssize_t plane, Py_ssize_t nx, double fx, double fy, int64_t* ck, double* cv,
) noexcept nogil:
    # the bilinear dose of plane k at one lateral point, remembering the last two planes asked for
    # (consecutive nodes of a column share planes)
    if k == ck[1]:
        return cv[1]
    if k == ck[0]:
        return cv[0]
    cdef double v = _bilinear(corner + k * plane, nx, fx, fy)
    ck[0] = ck[1]
    cv[0] = cv[1]
    ck[1] = k
    cv[1] = v
    return v


cdef inline double _node_value(
    const double* corner, int64_t k, double f, Py_ssize_t plane, Py_ssize_t nx, double fx, double fy,
    int64_t* ck, double* cv,
) noexcept nogil:
    # trilinear (as ext/_interp.pxd) at a node whose plane pair k, k+1 and weight f are known;
    # f == 0 or 1 gives exactly one plane's value, as the full formula would
    if f == 0.0:
        return _plane_value(corner, k, plane, nx, fx, fy, ck, cv)
    if f == 1.0:
        return _plane_value(corner, k + 1, plane, nx, fx, fy, ck, cv)
    return (_plane_value(corner, k, plane, nx, fx, fy, ck, cv) * (1 - f)
            + _plane_value(corner, k + 1, plane, nx, fx, fy, ck, cv) * f)


cdef inline void _column(
    double* hist, double* T, const double* corner, Py_ssize_t plane, Py_ssize_t nx, double fx, double fy,
    const int64_t* nk, const double* nf, const double* npos, int64_t a, int64_t b, double weight, double h,
) noexcept nogil:
    # the dose pieces of one interpolated sample's column: nodes a .. b-1, weight = its area;
    # T accumulates [mass, dose integral, min, max]
    cdef int64_t ck[2]
    cdef double cv[2]
    cdef double da, db, ua, ub, m
    cdef int64_t n
    ck[0] = -1
    ck[1] = -1
    cv[0] = 0.0
    cv[1] = 0.0
    da = _node_value(corner, nk[a], nf[a], plane, nx, fx, fy, ck, cv)
    ua = da / h
    for n in range(a + 1, b):
        db = _node_value(corner, nk[n], nf[n], plane, nx, fx, fy, ck, cv)
        ub = db / h
        m = weight * (npos[n] - npos[n - 1])
        _ramp(hist, m, ua, ub)
        T[0] += m
        T[1] += m * (da + db) / 2
        T[2] = min(T[2], min(da, db))
        T[3] = max(T[3], max(da, db))
        da = db
        ua = ub


def accumulate(
    const double[:, :, ::1] dose, const double[::1] x, const double[::1] y, const double[::1] z,
    const int64_t[:, ::1] runs, const int64_t[:, ::1] cells, const uint64_t[:, ::1] masks, int S, int n_inner,
    double xb0, double dx, double yb0, double dy,
    const int64_t[::1] node_offsets, const double[::1] node_pos, const double[::1] node_zeval,
    const int64_t[::1] node_k, const double[::1] node_f,
    const double[::1] plane_slab, const double[::1] plane_outside,
    double h, Py_ssize_t n_edges, int threads,
):
    """Histogram terms ``(P, A, B)`` and ``[inside mm3, outside mm3, dose integral, min, max]``."""
    cdef Py_ssize_t nz = dose.shape[0], ny = dose.shape[1], nx = dose.shape[2], plane = nx * ny
    # per-thread rows padded so that no two threads share a cache line; T: per-thread [mass, integral, min, max] of a run or cell
    cdef double[:, ::1] acc = np.zeros((threads, (3 * n_edges + 7) // 8 * 8 + 8), dtype=np.float64)
    cdef double[:, ::1] tot = np.zeros((threads, 16), dtype=np.float64)
    cdef double[:, ::1] stats = np.zeros((threads, 16), dtype=np.float64)
    cdef Py_ssize_t n_scratch = max(S, n_inner)
    cdef double[:, ::1] lateral = np.zeros((threads, (2 * n_scratch + 7) // 8 * 8 + 8), dtype=np.float64)
    cdef int64_t[:, ::1] corner_at = np.zeros((threads, (2 * n_scratch + 7) // 8 * 8 + 8), dtype=np.int64)
    cdef Py_ssize_t w, r, e, tid
    for w in range(threads):
        tot[w, 3] = INFINITY
        tot[w, 4] = -INFINITY
    cdef double area = dx * dy, sub_area = area / (S * S), sdx = dx / S, sdy = dy / S
    cdef const double* d = &dose[0, 0, 0]
    cdef const int64_t* nk = &node_k[0] if node_k.shape[0] > 0 else NULL
    cdef const double* nf = &node_f[0] if node_f.shape[0] > 0 else NULL
    cdef const double* npos = &node_pos[0] if node_pos.shape[0] > 0 else NULL
    cdef double x0 = x[0], sx = x[1] - x[0], y0 = y[0], sy = y[1] - y[0], xl = x[nx - 1], yl = y[ny - 1]
    cdef double inner_area = area / (n_inner * n_inner), idx = dx / n_inner, idy = dy / n_inner
    cdef double da, db, ua, ub, f, m, t_out
    cdef double* T
    cdef double t_mass, t_int, t_min, t_max
    cdef double* fxp
    cdef double* fyp
    cdef int64_t* ixp
    cdef int64_t* jyp
    cdef int64_t p, j, i, a, b, n, k0, bit, t, s, i0, i1, sub
    cdef const double* row
    cdef double* hist

    for r in prange(runs.shape[0], nogil=True, num_threads=threads, schedule="dynamic", chunksize=64):
        tid = threadid()
        p = runs[r, 0]
        j = runs[r, 1]
        i0 = runs[r, 2]
        i1 = runs[r, 3]
        if j < 0 or j >= ny:
            tot[tid, 1] += area * plane_slab[p] * (i1 - i0)
            continue
        if i0 < 0:
            tot[tid, 1] += area * plane_slab[p] * (min(i1, 0) - i0)
            i0 = 0
        if i1 > nx:
            tot[tid, 1] += area * plane_slab[p] * (i1 - max(i0, nx))
            i1 = nx
        if i1 <= i0:
            continue
        tot[tid, 1] += area * plane_outside[p] * (i1 - i0)
        a = node_offsets[p]
        b = node_offsets[p + 1]
        if a + 1 >= b:
            continue
        hist = &acc[tid, 0]
        T = &stats[tid, 0]
        T[0] = 0.0
        T[1] = 0.0
        T[2] = INFINITY
        T[3] = -INFINITY
        if n_inner > 1:
            # (fractions go to per-thread scratch: a prange variable set only through its address
            # is not made private by Cython, and threads would share it)
            fxp = &lateral[tid, 0]
            fyp = fxp + n_scratch
            ixp = &corner_at[tid, 0]
            jyp = ixp + n_scratch
            for t in range(n_inner):
                jyp[t] = _locate(yb0 + ((j * n_inner + t) + 0.5) * idy, y0, yl, y0, sy, ny, &fyp[t])
            for i in range(i0, i1):
                for s in range(n_inner):
                    ixp[s] = _locate(xb0 + ((i * n_inner + s) + 0.5) * idx, x0, xl, x0, sx, nx, &fxp[s])
                for sub in range(n_inner * n_inner):
                    t = sub // n_inner
                    s = sub - t * n_inner
                    _column(hist, T, d + jyp[t] * nx + ixp[s], plane, nx, fxp[s], fyp[t], nk, nf, npos, a, b, inner_area, h)
        else:
            t_mass = 0.0
            t_int = 0.0
            t_min = INFINITY
            t_max = -INFINITY
            for i in range(i0, i1):
                # whole cells: the voxel-centre dose, linear along z (f == 0: one plane exactly)
                row = d + j * nx + i
                f = nf[a]
                k0 = nk[a]
                if f == 0.0:
                    da = row[k0 * plane]
                else:
                    da = (1 - f) * row[k0 * plane] + f * row[(k0 + 1) * plane]
                ua = da / h
                for n in range(a + 1, b):
                    f = nf[n]
                    k0 = nk[n]
                    if f == 0.0:
                        db = row[k0 * plane]
                    else:
                        db = (1 - f) * row[k0 * plane] + f * row[(k0 + 1) * plane]
                    ub = db / h
                    m = area * (npos[n] - npos[n - 1])
                    _ramp(hist, m, ua, ub)
                    t_mass = t_mass + m
                    t_int = t_int + m * (da + db) / 2
                    t_min = min(t_min, min(da, db))
                    t_max = max(t_max, max(da, db))
                    da = db
                    ua = ub
            # (scalars, not T: stores through T would chain every piece's sums through memory)
            T[0] += t_mass
            T[1] += t_int
            T[2] = min(T[2], t_min)
            T[3] = max(T[3], t_max)
        tot[tid, 0] += T[0]
        tot[tid, 2] += T[1]
        tot[tid, 3] = min(tot[tid, 3], T[2])
        tot[tid, 4] = max(tot[tid, 4], T[3])

    for e in prange(cells.shape[0], nogil=True, num_threads=threads, schedule="dynamic", chunksize=16):
        tid = threadid()
        p = cells[e, 0]
        j = cells[e, 1]
        i = cells[e, 2]
        a = node_offsets[p]
        b = node_offsets[p + 1]
        hist = &acc[tid, 0]
        T = &stats[tid, 0]
        T[0] = 0.0
        T[1] = 0.0
        T[2] = INFINITY
        T[3] = -INFINITY
        t_out = 0.0
        if j < 0 or j >= ny or i < 0 or i >= nx:
            for bit in range(S * S):
                if (masks[e, bit >> 6] >> (bit & 63)) & 1:
                    t_out = t_out + sub_area * plane_slab[p]
        else:
            # the lateral interpolation of sub-column s and sub-row t, shared by the cell's samples
            fxp = &lateral[tid, 0]
            fyp = fxp + n_scratch
            ixp = &corner_at[tid, 0]
            jyp = ixp + n_scratch
            for s in range(S):
                ixp[s] = _locate(xb0 + ((i * S + s) + 0.5) * sdx, x0, xl, x0, sx, nx, &fxp[s])
            for t in range(S):
                jyp[t] = _locate(yb0 + ((j * S + t) + 0.5) * sdy, y0, yl, y0, sy, ny, &fyp[t])
            for bit in range(S * S):
                if not (masks[e, bit >> 6] >> (bit & 63)) & 1:
                    continue
                t_out = t_out + sub_area * plane_outside[p]
                if a + 1 >= b:
                    continue
                t = bit // S
                s = bit - t * S
                _column(hist, T, d + jyp[t] * nx + ixp[s], plane, nx, fxp[s], fyp[t], nk, nf, npos, a, b, sub_area, h)
        tot[tid, 0] += T[0]
        tot[tid, 1] += t_out
        tot[tid, 2] += T[1]
        tot[tid, 3] = min(tot[tid, 3], T[2])
        tot[tid, 4] = max(tot[tid, 4], T[3])

    summed = np.asarray(acc)[:, : 3 * n_edges].sum(axis=0).reshape(n_edges, 3)
    totals = np.asarray(tot)
    return (
        np.ascontiguousarray(summed[:, 0]),
        np.ascontiguousarray(summed[:, 1]),
        np.ascontiguousarray(summed[:, 2]),
        np.array([totals[:, 0].sum(), totals[:, 1].sum(), totals[:, 2].sum(), totals[:, 3].min(), totals[:, 4].max()]),
    )
