# Dose sampling of rasterised slabs into an exact cumulative histogram; twin: coverage_sdk._fallback.dvh.
# Every sample (a whole interior cell, or one sub-sample of an edge cell) stands for a column of
# its plane's slab; along z the dose is piecewise linear between the slab's nodes, so each
# node-to-node piece is a uniform dose distribution, accumulated exactly at the bin edges n*h.
# Inputs are validated by coverage_sdk.dvh.

import numpy as np
from cython.parallel cimport prange, threadid
from libc.math cimport ceil, floor, INFINITY
from libc.stdint cimport int64_t, uint64_t



cdef inline double _sample(
    const double* d, Py_ssize_t nx, Py_ssize_t ny, double x0, double sx, double y0, double sy,
    int64_t k, double f, double px, double py,
) noexcept nogil:
    # trilinear (as ext/_interp.pxd) at a node whose plane pair k, k+1 and weight f are known;
    # raw pointers, as passing memoryviews per call costs more than the interpolation itself
    cdef double fx = (px - x0) / sx, fy = (py - y0) / sy
    cdef Py_ssize_t i = <Py_ssize_t>floor(fx), j = <Py_ssize_t>floor(fy)
    i = 0 if i < 0 else (nx - 2 if i > nx - 2 else i)
    j = 0 if j < 0 else (ny - 2 if j > ny - 2 else j)
    fx = fx - i
    fy = fy - j
    fx = 0.0 if fx < 0.0 else (1.0 if fx > 1.0 else fx)
    fy = 0.0 if fy < 0.0 else (1.0 if fy > 1.0 else fy)
    cdef const double* a = d + (k * ny + j) * nx + i
    cdef const double* b = a + nx * ny
    cdef double c0 = (a[0] * (1 - fx) + a[1] * fx) * (1 - fy) + (a[nx] * (1 - fx) + a[nx + 1] * fx) * fy
    cdef double c1 = (b[0] * (1 - fx) + b[1] * fx) * (1 - fy) + (b[nx] * (1 - fx) + b[nx + 1] * fx) * fy
    return c0 * (1 - f) + c1 * f


cdef inline void _ramp(double* P, double* A, double* B, double m, double da, double db, double h) noexcept nogil:
    cdef double lo = da if da < db else db, hi = db if da < db else da
    cdef double ua = lo / h, ub = hi / h, c, beta, alpha
    cdef int64_t fa = <int64_t>floor(ua), n_lo = fa + 1, n_hi = <int64_t>ceil(ub) - 1
    if n_hi < n_lo:
        P[fa] += m
    elif n_hi == n_lo:
        c = m * (ub - n_lo) / (ub - ua)
        P[fa] += m - c
        P[n_lo] += c
    else:
        P[fa] += m
        beta = m / (ub - ua)
        alpha = beta * ub
        A[n_lo] += alpha
        A[n_hi + 1] -= alpha
        B[n_lo] += beta
        B[n_hi + 1] -= beta


cdef inline void _segment(
    double* acc, Py_ssize_t n_edges, double* T, double m, double da, double db, double h,
) noexcept nogil:
    _ramp(acc, acc + n_edges, acc + 2 * n_edges, m, da, db, h)
    T[0] += m
    T[2] += m * (da + db) / 2
    T[3] = min(T[3], min(da, db))
    T[4] = max(T[4], max(da, db))


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
    cdef Py_ssize_t nz = dose.shape[0], ny = dose.shape[1], nx = dose.shape[2]
    cdef double[:, ::1] acc = np.zeros((threads, 3 * n_edges), dtype=np.float64)
    cdef double[:, ::1] tot = np.zeros((threads, 5), dtype=np.float64)
    cdef Py_ssize_t w, r, e, tid
    for w in range(threads):
        tot[w, 3] = INFINITY
        tot[w, 4] = -INFINITY
    cdef double area = dx * dy, sub_area = area / (S * S), sdx = dx / S, sdy = dy / S
    cdef const double* d = &dose[0, 0, 0]
    cdef double x0 = x[0], sx = x[1] - x[0], y0 = y[0], sy = y[1] - y[0]
    cdef double inner_area = area / (n_inner * n_inner), idx = dx / n_inner, idy = dy / n_inner
    cdef double da, db, px, py
    cdef int64_t p, j, i, a, n, k0, k1, bit, t, s

    for r in prange(runs.shape[0], nogil=True, num_threads=threads, schedule="dynamic", chunksize=64):
        tid = threadid()
        da = 0.0
        db = 0.0
        p = runs[r, 0]
        j = runs[r, 1]
        if j < 0 or j >= ny:
            tot[tid, 1] += area * plane_slab[p] * (runs[r, 3] - runs[r, 2])
            continue
        for i in range(runs[r, 2], runs[r, 3]):
            if i < 0 or i >= nx:
                tot[tid, 1] += area * plane_slab[p]
                continue
            tot[tid, 1] += area * plane_outside[p]
            a = node_offsets[p]
            if a + 1 >= node_offsets[p + 1]:
                continue
            if n_inner > 1:
                for bit in range(n_inner * n_inner):
                    t = bit // n_inner
                    s = bit - t * n_inner
                    px = min(max(xb0 + ((i * n_inner + s) + 0.5) * idx, x[0]), x[nx - 1])
                    py = min(max(yb0 + ((j * n_inner + t) + 0.5) * idy, y[0]), y[ny - 1])
                    da = _sample(d, nx, ny, x0, sx, y0, sy, node_k[a], node_f[a], px, py)
                    for n in range(a + 1, node_offsets[p + 1]):
                        db = _sample(d, nx, ny, x0, sx, y0, sy, node_k[n], node_f[n], px, py)
                        _segment(&acc[tid, 0], n_edges, &tot[tid, 0], inner_area * (node_pos[n] - node_pos[n - 1]), da, db, h)
                        da = db
                continue
            k0 = node_k[a]
            da = (1 - node_f[a]) * dose[k0, j, i] + node_f[a] * dose[k0 + 1, j, i]
            for n in range(a + 1, node_offsets[p + 1]):
                k1 = node_k[n]
                db = (1 - node_f[n]) * dose[k1, j, i] + node_f[n] * dose[k1 + 1, j, i]
                _segment(&acc[tid, 0], n_edges, &tot[tid, 0], area * (node_pos[n] - node_pos[n - 1]), da, db, h)
                da = db

    for e in prange(cells.shape[0], nogil=True, num_threads=threads, schedule="dynamic", chunksize=16):
        tid = threadid()
        da = 0.0
        db = 0.0
        p = cells[e, 0]
        j = cells[e, 1]
        i = cells[e, 2]
        for bit in range(S * S):
            if not (masks[e, bit >> 6] >> (bit & 63)) & 1:
                continue
            if j < 0 or j >= ny or i < 0 or i >= nx:
                tot[tid, 1] += sub_area * plane_slab[p]
                continue
            tot[tid, 1] += sub_area * plane_outside[p]
            a = node_offsets[p]
            if a + 1 >= node_offsets[p + 1]:
                continue
            t = bit // S
            s = bit - t * S
            px = min(max(xb0 + ((i * S + s) + 0.5) * sdx, x[0]), x[nx - 1])
            py = min(max(yb0 + ((j * S + t) + 0.5) * sdy, y[0]), y[ny - 1])
            da = _sample(d, nx, ny, x0, sx, y0, sy, node_k[a], node_f[a], px, py)
            for n in range(a + 1, node_offsets[p + 1]):
                db = _sample(d, nx, ny, x0, sx, y0, sy, node_k[n], node_f[n], px, py)
                _segment(&acc[tid, 0], n_edges, &tot[tid, 0], sub_area * (node_pos[n] - node_pos[n - 1]), da, db, h)
                da = db

    summed = np.asarray(acc).sum(axis=0)
    totals = np.asarray(tot)
    return (
        summed[:n_edges].copy(),
        summed[n_edges : 2 * n_edges].copy(),
        summed[2 * n_edges :].copy(),
        np.array([totals[:, 0].sum(), totals[:, 1].sum(), totals[:, 2].sum(), totals[:, 3].min(), totals[:, 4].max()]),
    )
