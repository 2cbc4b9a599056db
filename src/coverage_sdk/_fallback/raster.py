"""Twin of ext/_raster.pyx: even-odd polygon rasterisation with supersampled edge cells.

The lattice is the dose grid's cells extended without bound: cell ``(j, i)`` spans
``[xb0 + i*dx, xb0 + (i+1)*dx) x [yb0 + j*dy, ...)``; each cell holds ``S x S`` sub-samples at
``xb0 + (i*S + s + 0.5) * dx/S`` (``S`` odd, so the middle sub-sample is the cell centre).
A cell that a polygon edge touches is an *edge cell* and reports which sub-samples are
inside (bit ``t*S + s``); any other cell is whole, inside when its centre is. ``S`` is odd, at most 15.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

EPS = 1e-7


def _expand(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges ``[starts[k], stops[k]]``: (owner k, value) of every integer in them."""
    counts = np.maximum(stops - starts + 1, 0)
    owner = np.repeat(np.arange(starts.size), counts)
    first = np.cumsum(counts) - counts
    values = starts[owner] + (np.arange(owner.size) - first[owner])
    return owner, values


def _edges(points: np.ndarray, offsets: np.ndarray, plane_offsets: np.ndarray):
    n = points.shape[0]
    nxt = np.arange(1, n + 1, dtype=np.int64)
    sizes = np.diff(offsets)
    nonempty = sizes > 0
    nxt[offsets[1:][nonempty] - 1] = offsets[:-1][nonempty]
    contour_plane = np.repeat(np.arange(plane_offsets.size - 1, dtype=np.int64), np.diff(plane_offsets))
    plane = np.repeat(contour_plane, sizes)
    return points[:, 0], points[:, 1], points[nxt, 0], points[nxt, 1], plane


def _toggles(x0, y0, x1, y1, plane, xb0, yb0, sdx, sdy):
    """Every crossing of an edge with a sub-row: (plane, sub-row, first sub-column right of it)."""
    slanted = np.flatnonzero(y0 != y1)
    ylo = np.minimum(y0[slanted], y1[slanted])
    yhi = np.maximum(y0[slanted], y1[slanted])
    ra = np.floor((ylo - yb0) / sdy - 0.5).astype(np.int64) - 1
    rb = np.floor((yhi - yb0) / sdy - 0.5).astype(np.int64) + 1
    owner, r = _expand(ra, rb)
    e = slanted[owner]
    yr = yb0 + (r + 0.5) * sdy
    keep = (np.minimum(y0[e], y1[e]) <= yr) & (yr < np.maximum(y0[e], y1[e]))
    e, r, yr = e[keep], r[keep], yr[keep]
    xc = x0[e] + (yr - y0[e]) * (x1[e] - x0[e]) / (y1[e] - y0[e])
    q = np.floor((xc - xb0) / sdx - 0.5).astype(np.int64) + 1
    while True:
        up = xb0 + (q + 0.5) * sdx <= xc
        if not up.any():
            break
        q += up
    while True:
        down = xb0 + (q - 1 + 0.5) * sdx > xc
        if not down.any():
            break
        q -= down
    return plane[e], r, q


def _marked(x0, y0, x1, y1, plane, xb0, yb0, dx, dy):
    """(plane, row, column) of every cell a polygon edge touches, unique and sorted."""
    ylo = np.minimum(y0, y1)
    yhi = np.maximum(y0, y1)
    ja = np.floor((ylo - EPS - yb0) / dy).astype(np.int64)
    jb = np.floor((yhi + EPS - yb0) / dy).astype(np.int64)
    e, j = _expand(ja, jb)
    ya = np.maximum(ylo[e], yb0 + j * dy)
    yb = np.minimum(yhi[e], yb0 + (j + 1) * dy)
    ex0, ey0, ex1, ey1 = x0[e], y0[e], x1[e], y1[e]
    slanted = ey0 != ey1
    denom = np.where(slanted, ey1 - ey0, 1.0)
    xa = np.where(slanted, ex0 + (ya - ey0) * (ex1 - ex0) / denom, ex0)
    xb = np.where(slanted, ex0 + (yb - ey0) * (ex1 - ex0) / denom, ex1)
    ia = np.floor((np.minimum(xa, xb) - EPS - xb0) / dx).astype(np.int64)
    ib = np.floor((np.maximum(xa, xb) + EPS - xb0) / dx).astype(np.int64)
    owner, i = _expand(ia, ib)
    cells = np.stack([plane[e][owner], j[owner], i], axis=1)
    return np.unique(cells, axis=0) if cells.size else cells.reshape(0, 3)


def rasterize(
    points: NDArray[np.float64], offsets: NDArray[np.int64], plane_offsets: NDArray[np.int64],
    xb0: float, dx: float, yb0: float, dy: float, S: int, threads: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.uint64]]:
    """Interior runs ``(plane, row, i0, i1)``, edge cells ``(plane, row, i)`` and their masks
    ``(cell, word)``: bit ``b = t*S + s`` is bit ``b % 64`` of word ``b // 64``."""
    del threads
    x0, y0, x1, y1, plane = _edges(points, offsets, plane_offsets)
    sdx, sdy = dx / S, dy / S
    m = (S - 1) // 2
    tp, tr, tq = _toggles(x0, y0, x1, y1, plane, xb0, yb0, sdx, sdy)
    cells = _marked(x0, y0, x1, y1, plane, xb0, yb0, dx, dy)
    words = (S * S + 63) // 64
    empty = (np.zeros((0, 4), np.int64), np.zeros((0, 3), np.int64), np.zeros((0, words), np.uint64))
    if cells.shape[0] == 0:
        return empty

    r_min = min(int(tr.min()) if tr.size else 0, int(cells[:, 1].min()) * S) - 1
    r_span = max(int(tr.max()) if tr.size else 0, int(cells[:, 1].max()) * S + S) - r_min + 2
    q_min = min(int(tq.min()) if tq.size else 0, int(cells[:, 2].min()) * S) - 1
    q_span = max(int(tq.max()) if tq.size else 0, int(cells[:, 2].max()) * S + S) - q_min + 2

    def key(p, r, q):
        return (p * r_span + (r - r_min)) * q_span + (q - q_min)

    toggles = np.sort(key(tp, tr, tq))

    def parity(p, r, q):
        below = np.searchsorted(toggles, key(p, r, q), side="right")
        row_start = np.searchsorted(toggles, key(p, r, q_min), side="left")
        return (below - row_start) & 1

    t, s = np.divmod(np.arange(S * S, dtype=np.int64), S)
    cp, cj, ci = (cells[:, k : k + 1] for k in range(3))
    inside = parity(cp, cj * S + t, ci * S + s).astype(np.uint64)
    padded = np.zeros((inside.shape[0], 64 * words), dtype=np.uint64)
    padded[:, : S * S] = inside
    shifts = np.arange(64, dtype=np.uint64)
    masks = (padded.reshape(-1, words, 64) << shifts).sum(axis=2, dtype=np.uint64)
    keep = inside.any(axis=1)
    edge_cells, edge_masks = cells[keep], masks[keep]

    middle = (tr - m) % S == 0
    mp, mj = tp[middle], (tr[middle] - m) // S
    mi = -((m - tq[middle]) // S)
    order = np.lexsort((mi, mj, mp))
    mp, mj, mi = mp[order].reshape(-1, 2), mj[order].reshape(-1, 2), mi[order].reshape(-1, 2)
    owner, i = _expand(mi[:, 0], mi[:, 1] - 1)
    inner = np.stack([mp[owner, 0], mj[owner, 0], i], axis=1)
    if inner.size:
        inner = np.unique(inner, axis=0)
        cell_keys = key(cells[:, 0], cells[:, 1] * S, cells[:, 2] * S)
        inner_keys = key(inner[:, 0], inner[:, 1] * S, inner[:, 2] * S)
        pos = np.minimum(np.searchsorted(cell_keys, inner_keys), cell_keys.size - 1)
        inner = inner[cell_keys[pos] != inner_keys]
    if inner.size == 0:
        return np.zeros((0, 4), np.int64), edge_cells, edge_masks
    new_run = np.ones(inner.shape[0], dtype=bool)
    new_run[1:] = (
        (inner[1:, 0] != inner[:-1, 0]) | (inner[1:, 1] != inner[:-1, 1]) | (inner[1:, 2] != inner[:-1, 2] + 1)
    )
    starts = np.flatnonzero(new_run)
    stops = np.append(starts[1:], inner.shape[0])
    runs = np.stack([inner[starts, 0], inner[starts, 1], inner[starts, 2], inner[stops - 1, 2] + 1], axis=1)
    return runs, edge_cells, edge_masks
