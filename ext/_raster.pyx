# Even-odd polygon rasterisation with supersampled edge cells; twin: coverage_sdk._fallback.raster.
# The lattice is the dose grid's cells extended without bound: cell (j, i) spans
# [xb0 + i*dx, xb0 + (i+1)*dx) x [yb0 + j*dy, ...) and holds S x S sub-samples at
# xb0 + (i*S + s + 0.5) * dx/S (S odd: the middle sub-sample is the cell centre).
# Inputs are validated by coverage_sdk.dvh; planes are rasterised in parallel.

import numpy as np
cimport numpy as cnp
from cython.parallel cimport prange
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy

from _rounding cimport ifloor

cnp.import_array()

cdef double EPS = 1e-7


cdef struct PlaneResult:
    int64_t* runs
    int64_t n_runs
    int64_t* cells
    uint64_t* masks
    int64_t n_cells
    int failed


cdef inline double _sub(double b0, int64_t q, double step) noexcept nogil:
    return b0 + (<double>q + 0.5) * step


cdef void _plane(
    const double[:, ::1] points, const int64_t[::1] offsets, int64_t c0, int64_t c1, int64_t p,
    double xb0, double dx, double yb0, double dy, int S, int W, PlaneResult* out,
) noexcept nogil:
    cdef int64_t a = offsets[c0], b = offsets[c1], n, c, k, k1, start, stop
    if b <= a:
        return
    cdef double xmin = points[a, 0], xmax = points[a, 0], ymin = points[a, 1], ymax = points[a, 1]
    for k in range(a, b):
        xmin = min(xmin, points[k, 0])
        xmax = max(xmax, points[k, 0])
        ymin = min(ymin, points[k, 1])
        ymax = max(ymax, points[k, 1])
    cdef int64_t i_lo = ifloor((xmin - xb0) / dx) - 1, i_hi = ifloor((xmax - xb0) / dx) + 1
    cdef int64_t j_lo = ifloor((ymin - yb0) / dy) - 1, j_hi = ifloor((ymax - yb0) / dy) + 1
    cdef int64_t ncols = i_hi - i_lo + 1, nrows = j_hi - j_lo + 1, nsub = nrows * S, r0 = j_lo * S
    cdef double sdx = dx / S, sdy = dy / S
    cdef unsigned char* mark = <unsigned char*>calloc(nrows * ncols, 1)
    cdef int64_t* counts = <int64_t*>calloc(nsub + 1, sizeof(int64_t))
    cdef int64_t* fill = <int64_t*>calloc(nsub + 1, sizeof(int64_t))
    cdef int64_t u
    if mark == NULL or counts == NULL or fill == NULL:
        out.failed = 1
        free(mark); free(counts); free(fill)
        return

    # every crossing of an edge with a sub-row, in edge order: (sub-row, first sub-column right of it)
    cdef int64_t n_found = 0, capacity = 4 * (b - a) + 16
    cdef int64_t* found = <int64_t*>malloc(2 * capacity * sizeof(int64_t))
    cdef int64_t* grown
    if found == NULL:
        out.failed = 1
        free(mark); free(counts); free(fill)
        return
    cdef double x0, y0, x1, y1, ylo, yhi, yr, xc, ya, yb, xa, xe
    cdef int64_t r, ra, rb, j, ja, jb, i, ia, ib, q, n_tog = 0
    for c in range(c0, c1):
        start = offsets[c]
        stop = offsets[c + 1]
        for k in range(start, stop):
            k1 = k + 1 if k + 1 < stop else start
            x0 = points[k, 0]; y0 = points[k, 1]; x1 = points[k1, 0]; y1 = points[k1, 1]
            ylo = min(y0, y1); yhi = max(y0, y1)
            ja = max(ifloor((ylo - EPS - yb0) / dy), j_lo)
            jb = min(ifloor((yhi + EPS - yb0) / dy), j_hi)
            for j in range(ja, jb + 1):
                ya = max(ylo, yb0 + j * dy)
                yb = min(yhi, yb0 + (j + 1) * dy)
                if y0 != y1:
                    xa = x0 + (ya - y0) * (x1 - x0) / (y1 - y0)
                    xe = x0 + (yb - y0) * (x1 - x0) / (y1 - y0)
                else:
                    xa = x0
                    xe = x1
                ia = max(ifloor((min(xa, xe) - EPS - xb0) / dx), i_lo)
                ib = min(ifloor((max(xa, xe) + EPS - xb0) / dx), i_hi)
                for i in range(ia, ib + 1):
                    mark[(j - j_lo) * ncols + (i - i_lo)] = 1
            if y0 == y1:
                continue
            ra = max(ifloor((ylo - yb0) / sdy - 0.5) - 1, r0)
            rb = min(ifloor((yhi - yb0) / sdy - 0.5) + 1, r0 + nsub - 1)
            for r in range(ra, rb + 1):
                yr = _sub(yb0, r, sdy)
                if not (ylo <= yr and yr < yhi):
                    continue
                xc = x0 + (yr - y0) * (x1 - x0) / (y1 - y0)
                q = ifloor((xc - xb0) / sdx - 0.5) + 1
                while _sub(xb0, q, sdx) <= xc:
                    q += 1
                while _sub(xb0, q - 1, sdx) > xc:
                    q -= 1
                if n_found == capacity:
                    capacity = 2 * capacity
                    grown = <int64_t*>realloc(found, 2 * capacity * sizeof(int64_t))
                    if grown == NULL:
                        out.failed = 1
                        free(mark); free(counts); free(fill); free(found)
                        return
                    found = grown
                found[2 * n_found] = r - r0
                found[2 * n_found + 1] = q
                n_found += 1
                counts[r - r0 + 1] += 1
    # the crossings by sub-row, each sub-row's in edge order
    for r in range(nsub):
        counts[r + 1] += counts[r]
        fill[r] = counts[r]
    n_tog = counts[nsub]
    cdef int64_t* toggles = <int64_t*>malloc((n_tog + 1) * sizeof(int64_t))
    if toggles == NULL:
        out.failed = 1
        free(mark); free(counts); free(fill); free(found)
        return
    for u in range(n_found):
        toggles[fill[found[2 * u]]] = found[2 * u + 1]
        fill[found[2 * u]] += 1
    free(found)

    cdef int64_t v, w
    for r in range(nsub):
        for u in range(counts[r] + 1, counts[r + 1]):
            w = toggles[u]
            v = u - 1
            while v >= counts[r] and toggles[v] > w:
                toggles[v + 1] = toggles[v]
                v -= 1
            toggles[v + 1] = w

    cdef int64_t n_marked = 0
    for k in range(nrows * ncols):
        n_marked += mark[k]
    out.cells = <int64_t*>malloc((3 * n_marked + 1) * sizeof(int64_t))
    out.masks = <uint64_t*>malloc((W * n_marked + 1) * sizeof(uint64_t))
    # a row's runs: at most one per stretch of unmarked cells (one more than its marked cells) and
    # one more per toggle in it
    out.runs = <int64_t*>malloc((4 * (n_marked + nrows + n_tog) + 1) * sizeof(int64_t))
    if out.cells == NULL or out.masks == NULL or out.runs == NULL:
        out.failed = 1
        free(mark); free(counts); free(fill); free(toggles)
        return

    # rows are scanned by stretches: a stretch of unmarked cells (whole cells, inside when their
    # centre is) changes parity only at its middle sub-row's toggles; marked (edge) cells read
    # every sub-row's parity, each sub-row's toggle pointer advancing along the row (kp)
    cdef int m = (S - 1) // 2, t, s, bit
    cdef int64_t jj, ii, pm, pend, run_start, kk, rr, s1, cur, nxt, base
    cdef bint inside, any_inside
    cdef uint64_t* mask
    cdef uint64_t word
    cdef unsigned char* mrow
    cdef int64_t* kp = <int64_t*>malloc(S * sizeof(int64_t))
    if kp == NULL:
        out.failed = 1
        free(mark); free(counts); free(fill); free(toggles)
        return
    for jj in range(nrows):
        rr = jj * S + m
        base = counts[rr]
        pm = base
        pend = counts[rr + 1]
        for t in range(S):
            kp[t] = counts[jj * S + t]
        mrow = mark + jj * ncols
        ii = 0
        while ii < ncols:
            if not mrow[ii]:
                s1 = ii + 1
                # (eight cells at a time through the long unmarked stretches inside and around the polygon)
                while s1 + 8 <= ncols:
                    memcpy(&word, mrow + s1, 8)
                    if word:
                        break
                    s1 += 8
                while s1 < ncols and not mrow[s1]:
                    s1 += 1
                run_start = -1
                cur = ii
                while cur < s1:
                    q = (i_lo + cur) * S + m
                    while pm < pend and toggles[pm] <= q:
                        pm += 1
                    inside = ((pm - base) & 1) == 1
                    # cells cur .. nxt-1 have no toggle up to their centres: the same parity
                    nxt = s1
                    if pm < pend:
                        nxt = min(max((toggles[pm] - m - i_lo * S + S - 1) // S, cur + 1), s1)
                    if inside and run_start < 0:
                        run_start = cur
                    elif not inside and run_start >= 0:
                        out.runs[4 * out.n_runs] = p
                        out.runs[4 * out.n_runs + 1] = j_lo + jj
                        out.runs[4 * out.n_runs + 2] = i_lo + run_start
                        out.runs[4 * out.n_runs + 3] = i_lo + cur
                        out.n_runs += 1
                        run_start = -1
                    cur = nxt
                if run_start >= 0:
                    out.runs[4 * out.n_runs] = p
                    out.runs[4 * out.n_runs + 1] = j_lo + jj
                    out.runs[4 * out.n_runs + 2] = i_lo + run_start
                    out.runs[4 * out.n_runs + 3] = i_lo + s1
                    out.n_runs += 1
                ii = s1
                continue
            mask = &out.masks[W * out.n_cells]
            for bit in range(W):
                mask[bit] = 0
            any_inside = False
            for t in range(S):
                rr = jj * S + t
                kk = kp[t]
                for s in range(S):
                    q = (i_lo + ii) * S + s
                    while kk < counts[rr + 1] and toggles[kk] <= q:
                        kk += 1
                    if (kk - counts[rr]) & 1:
                        bit = t * S + s
                        mask[bit >> 6] |= (<uint64_t>1) << (bit & 63)
                        any_inside = True
                kp[t] = kk
            if any_inside:
                out.cells[3 * out.n_cells] = p
                out.cells[3 * out.n_cells + 1] = j_lo + jj
                out.cells[3 * out.n_cells + 2] = i_lo + ii
                out.n_cells += 1
            ii += 1
    free(kp)
    free(mark); free(counts); free(fill); free(toggles)


def rasterize(
    const double[:, ::1] points, const int64_t[::1] offsets, const int64_t[::1] plane_offsets,
    double xb0, double dx, double yb0, double dy, int S, int threads,
):
    """Interior runs ``(plane, row, i0, i1)``, edge cells ``(plane, row, i)`` and their masks
    ``(cell, word)``: bit ``b = t*S + s`` is bit ``b % 64`` of word ``b // 64``."""
    cdef int W = (S * S + 63) // 64
    cdef Py_ssize_t n_planes = plane_offsets.shape[0] - 1, p
    cdef PlaneResult* res = <PlaneResult*>calloc(max(n_planes, 1), sizeof(PlaneResult))
    if res == NULL:
        raise MemoryError()
    try:
        for p in prange(n_planes, nogil=True, num_threads=threads, schedule="dynamic"):
            _plane(points, offsets, plane_offsets[p], plane_offsets[p + 1], p, xb0, dx, yb0, dy, S, W, &res[p])
        n_runs = 0
        n_cells = 0
        for p in range(n_planes):
            if res[p].failed:
                raise MemoryError("rasterisation ran out of memory")
            n_runs += res[p].n_runs
            n_cells += res[p].n_cells
        runs = np.empty((n_runs, 4), dtype=np.int64)
        cells = np.empty((n_cells, 3), dtype=np.int64)
        masks = np.empty((n_cells, W), dtype=np.uint64)
        _gather(res, n_planes, W, runs, cells, masks)
        return runs, cells, masks
    finally:
        for p in range(n_planes):
            free(res[p].runs); free(res[p].cells); free(res[p].masks)
        free(res)


cdef void _gather(PlaneResult* res, Py_ssize_t n_planes, int W, int64_t[:, ::1] runs, int64_t[:, ::1] cells,
                  uint64_t[:, ::1] masks) noexcept:
    cdef Py_ssize_t p, at_run = 0, at_cell = 0
    for p in range(n_planes):
        if res[p].n_runs:
            memcpy(&runs[at_run, 0], res[p].runs, 4 * res[p].n_runs * sizeof(int64_t))
        if res[p].n_cells:
            memcpy(&cells[at_cell, 0], res[p].cells, 3 * res[p].n_cells * sizeof(int64_t))
            memcpy(&masks[at_cell, 0], res[p].masks, W * res[p].n_cells * sizeof(uint64_t))
        at_run += res[p].n_runs
        at_cell += res[p].n_cells
