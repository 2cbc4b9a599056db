# Bone-circumference sampling (shared/spec/bone-circumference.md): on each axial plane, points at
# equal arc length on the outer contour, moved inward to cortex depth, dosed trilinearly.
# Callers go through coverage_sdk.circumference, which validates every array first; the twin is
# coverage_sdk._fallback.circumference and performs the same floating-point operations in the same order.

import numpy as np

from libc.math cimport sqrt
from libc.stdint cimport int64_t

from _interp cimport dose_t, trilinear

# A contour is usable when it has at least 3 edges of non-zero (computed) length and |2·area| > AREA_EPS·perimeter².
cdef double AREA_EPS = 1e-12
# A bisector or an interpolated normal shorter than this has no direction; see _prepare and _point.
cdef double NORMAL_EPS = 1e-12


cdef struct Outline:
    double area2
    double cx
    double cy
    double length
    Py_ssize_t edges


cdef inline Py_ssize_t _next(Py_ssize_t i, Py_ssize_t m) noexcept nogil:
    return i + 1 if i + 1 < m else 0


cdef Outline _outline(const double[:, ::1] pts, Py_ssize_t a, Py_ssize_t m) noexcept nogil:
    """Twice the signed area, area centroid, perimeter and non-zero edge count of pts[a:a + m]."""
    cdef Outline o
    cdef Py_ssize_t i, n
    cdef double x0, y0, xi, yi, xn, yn, dx, dy, l, cross, sx = 0.0, sy = 0.0
    o.area2 = 0.0
    o.length = 0.0
    o.edges = 0
    o.cx = 0.0
    o.cy = 0.0
    if m == 0:
        return o
    x0 = pts[a, 0]
    y0 = pts[a, 1]
    for i in range(m):
        n = a + _next(i, m)
        dx = pts[n, 0] - pts[a + i, 0]
        dy = pts[n, 1] - pts[a + i, 1]
        l = sqrt(dx * dx + dy * dy)
        if l > 0.0:
            o.edges += 1
        o.length += l
        xi = pts[a + i, 0] - x0
        yi = pts[a + i, 1] - y0
        xn = pts[n, 0] - x0
        yn = pts[n, 1] - y0
        cross = xi * yn - xn * yi
        o.area2 += cross
        sx += (xi + xn) * cross
        sy += (yi + yn) * cross
    o.cx = x0
    o.cy = y0
    if o.area2 != 0.0:
        o.cx = x0 + sx / (3.0 * o.area2)
        o.cy = y0 + sy / (3.0 * o.area2)
    return o


cdef inline bint _usable(Outline o) noexcept nogil:
    cdef double area2 = o.area2 if o.area2 >= 0.0 else -o.area2
    return o.edges >= 3 and area2 > AREA_EPS * o.length * o.length


cdef void _prepare(
    const double[:, ::1] pts, Py_ssize_t a, Py_ssize_t m, double side,
    double[::1] cum, double[::1] vnx, double[::1] vny, int64_t[::1] nxt,
) noexcept nogil:
    """Fill, over the slots a..a+m-1, the arc length at each edge start and, at the start of each
    non-zero edge, the vertex normal and the index of the next non-zero edge.

    The inward normal of an edge with direction u is side·(-u_y, u_x) (side = +1 for a
    counter-clockwise contour). The vertex normal is the normalised sum of the inward normals
    of the two non-zero edges meeting there; at a 180° reversal that sum vanishes and the
    direction back along the incoming edge is used.
    """
    cdef Py_ssize_t i, n, prev = -1
    cdef double dx, dy, l, px, py, nx, ny, bx, by, bl
    cdef double acc = 0.0
    for i in range(m):
        cum[a + i] = acc
        n = a + _next(i, m)
        dx = pts[n, 0] - pts[a + i, 0]
        dy = pts[n, 1] - pts[a + i, 1]
        l = sqrt(dx * dx + dy * dy)
        acc += l
        if l > 0.0:
            prev = i
    for i in range(m):
        n = a + _next(i, m)
        dx = pts[n, 0] - pts[a + i, 0]
        dy = pts[n, 1] - pts[a + i, 1]
        l = sqrt(dx * dx + dy * dy)
        if l == 0.0:
            continue
        nx = -side * (dy / l)
        ny = side * (dx / l)
        n = a + _next(prev, m)
        px = pts[n, 0] - pts[a + prev, 0]
        py = pts[n, 1] - pts[a + prev, 1]
        bl = sqrt(px * px + py * py)
        px = px / bl
        py = py / bl
        bx = -side * py + nx
        by = side * px + ny
        bl = sqrt(bx * bx + by * by)
        if bl > NORMAL_EPS:
            vnx[a + i] = bx / bl
            vny[a + i] = by / bl
        else:
            vnx[a + i] = -px
            vny[a + i] = -py
        nxt[a + prev] = i
        prev = i


cdef void _point(
    const double[:, ::1] pts, Py_ssize_t a, Py_ssize_t m, Outline o, double side, double depth,
    Py_ssize_t k, Py_ssize_t samples, Py_ssize_t* edge,
    const double[::1] cum, const double[::1] vnx, const double[::1] vny, const int64_t[::1] nxt,
    double* qx, double* qy,
) noexcept nogil:
    """Sample k of samples: at arc length (k + 1/2)·perimeter/samples from the first vertex, moved
    inward by min(depth, distance to the centroid) along the normal interpolated linearly between
    the vertex normals of its edge (the edge normal where that interpolation vanishes).

    ``edge`` carries the current edge between calls with increasing k.
    """
    cdef double s = (k + 0.5) * o.length / samples
    cdef Py_ssize_t j = edge[0], n, e
    while j + 1 < m and cum[a + j + 1] <= s:
        j += 1
    edge[0] = j
    n = a + _next(j, m)
    cdef double dx = pts[n, 0] - pts[a + j, 0]
    cdef double dy = pts[n, 1] - pts[a + j, 1]
    cdef double l = sqrt(dx * dx + dy * dy)
    cdef double u = 0.0, nx = 0.0, ny = 0.0, l2
    if l > 0.0:
        u = (s - cum[a + j]) / l
        e = nxt[a + j]
        nx = (1.0 - u) * vnx[a + j] + u * vnx[a + e]
        ny = (1.0 - u) * vny[a + j] + u * vny[a + e]
        l2 = sqrt(nx * nx + ny * ny)
        if l2 > NORMAL_EPS:
            nx = nx / l2
            ny = ny / l2
        else:
            nx = -side * (dy / l)
            ny = side * (dx / l)
    cdef double px = pts[a + j, 0] + u * dx
    cdef double py = pts[a + j, 1] + u * dy
    cdef double cx = o.cx - px
    cdef double cy = o.cy - py
    cdef double dist = sqrt(cx * cx + cy * cy)
    cdef double t = depth if depth <= dist else dist
    qx[0] = px + t * nx
    qy[0] = py + t * ny


def _scratch(Py_ssize_t n):
    return (np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64))


def cortex_points(const double[:, ::1] contour, double depth, Py_ssize_t samples):
    """The ``(samples, 2)`` sample points of one contour; ValueError if the contour is degenerate."""
    cdef Py_ssize_t m = contour.shape[0], k, edge = 0
    cdef Outline o = _outline(contour, 0, m)
    if samples < 1 or not _usable(o):
        raise ValueError("degenerate contour: fewer than 3 distinct points or zero area")
    cum_a, vnx_a, vny_a, nxt_a = _scratch(m)
    cdef double[::1] cum = cum_a, vnx = vnx_a, vny = vny_a
    cdef int64_t[::1] nxt = nxt_a
    out_a = np.empty((samples, 2))
    cdef double[:, ::1] out = out_a
    cdef double side = 1.0 if o.area2 > 0.0 else -1.0
    with nogil:
        _prepare(contour, 0, m, side, cum, vnx, vny, nxt)
        for k in range(samples):
            _point(contour, 0, m, o, side, depth, k, samples, &edge, cum, vnx, vny, nxt,
                   &out[k, 0], &out[k, 1])
    return out_a


def plane_fractions(
    const double[:, ::1] points, const int64_t[::1] offsets, const int64_t[::1] plane_start,
    const double[::1] plane_z,
    const dose_t[:, :, ::1] dose, const double[::1] x, const double[::1] y, const double[::1] z,
    double threshold, double depth, Py_ssize_t samples,
):
    """Per plane ``p`` (contours ``plane_start[p]:plane_start[p + 1]`` on ``plane_z[p]``):
    ``hits`` (sample points with dose >= threshold), ``outside`` (points outside the dose grid,
    dose 0), ``outer`` (index of the contour sampled, the usable one of largest absolute area,
    or -1 when none is usable: no points) and ``skipped`` (unusable contours), as int64 arrays.
    """
    cdef Py_ssize_t n_planes = plane_z.shape[0]
    hits_a, outside_a, outer_a, skipped_a = [np.zeros(n_planes, dtype=np.int64) for _ in range(4)]
    cum_a, vnx_a, vny_a, nxt_a = _scratch(points.shape[0])
    cdef int64_t[::1] hits = hits_a, outside = outside_a, outer = outer_a, skipped = skipped_a
    cdef double[::1] cum = cum_a, vnx = vnx_a, vny = vny_a
    cdef int64_t[::1] nxt = nxt_a
    cdef Py_ssize_t p, c, a, m, k, edge, best
    cdef double best_area, area, side, qx, qy, value
    cdef Outline o, chosen
    with nogil:
        for p in range(n_planes):
            best = -1
            best_area = 0.0
            for c in range(plane_start[p], plane_start[p + 1]):
                o = _outline(points, offsets[c], offsets[c + 1] - offsets[c])
                if not _usable(o):
                    skipped[p] += 1
                    continue
                area = o.area2 if o.area2 >= 0.0 else -o.area2
                if best < 0 or area > best_area:
                    best = c
                    best_area = area
                    chosen = o
            outer[p] = best
            if best < 0:
                continue
            a = offsets[best]
            m = offsets[best + 1] - a
            side = 1.0 if chosen.area2 > 0.0 else -1.0
            _prepare(points, a, m, side, cum, vnx, vny, nxt)
            edge = 0
            for k in range(samples):
                _point(points, a, m, chosen, side, depth, k, samples, &edge, cum, vnx, vny, nxt, &qx, &qy)
                if not trilinear(dose, x, y, z, qx, qy, plane_z[p], &value):
                    outside[p] += 1
                    value = 0.0
                if value >= threshold:
                    hits[p] += 1
    return hits_a, outside_a, outer_a, skipped_a
