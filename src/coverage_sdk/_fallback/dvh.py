"""Twin of ext/_dvh.pyx: dose sampling of rasterised slabs into an exact cumulative histogram.

Every sample (a whole interior cell, or one sub-sample of an edge cell) stands for a column
of its plane's slab; along z the dose is piecewise linear between the slab's nodes, so each
node-to-node piece is a uniform dose distribution between its two end doses. A whole cell
inside on consecutive planes is one column through their slabs, bending only at dose planes
(half as many pieces). Pieces are accumulated exactly at the bin edges ``n * h``: ``P`` holds
steps, ``A - B*n`` the linear parts (:func:`_cumulative`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from coverage_sdk._fallback.interp import trilinear


def _ramps(mass, da, db, h, n_edges):
    """``P, A, B`` of the pieces, and how many were left out (a dose negative, NaN or at least
    ``h * (n_edges - 2)``)."""
    lo, hi = np.minimum(da, db), np.maximum(da, db)
    ua, ub = lo / h, hi / h
    fits = (ua >= 0.0) & (ub < n_edges - 2)
    mass, ua, ub = mass[fits], ua[fits], ub[fits]
    fa = np.floor(ua).astype(np.int64)
    n_lo = fa + 1
    n_hi = np.ceil(ub).astype(np.int64) - 1
    one = n_hi == n_lo
    many = n_hi > n_lo
    width = np.where(one | many, ub - ua, 1.0)
    c = np.where(one, mass * (ub - n_lo) / width, 0.0)
    P = np.bincount(fa, weights=mass - c, minlength=n_edges)
    P += np.bincount(n_lo[one], weights=c[one], minlength=n_edges)
    beta = mass[many] / width[many]
    alpha = beta * ub[many]
    A = np.bincount(n_lo[many], weights=alpha, minlength=n_edges)
    A -= np.bincount(n_hi[many] + 1, weights=alpha, minlength=n_edges)
    B = np.bincount(n_lo[many], weights=beta, minlength=n_edges)
    B -= np.bincount(n_hi[many] + 1, weights=beta, minlength=n_edges)
    return P, A, B, int(fits.size - fits.sum())


def _nodes(lo, hi, grid_z):
    """Per plane, the z nodes of the slab's part inside the grid, between which dose is linear,
    the nodes a column through several slabs bends at, and the slab's part outside the grid."""
    z_lo = grid_z[0] - (grid_z[1] - grid_z[0]) / 2
    z_hi = grid_z[-1] + (grid_z[-1] - grid_z[-2]) / 2
    za, zb = np.maximum(lo, z_lo), np.minimum(hi, z_hi)
    inside = za < zb
    first = np.searchsorted(grid_z, za, side="right")
    last = np.searchsorted(grid_z, zb, side="left")
    counts = np.where(inside, last - first + 2, 0)
    node_offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    plane = np.repeat(np.arange(lo.size), counts)
    rank = np.arange(plane.size) - node_offsets[plane]
    grid_index = np.clip(first[plane] + rank - 1, 0, grid_z.size - 1)
    node_pos = np.where(rank == 0, za[plane], np.where(rank == counts[plane] - 1, zb[plane], grid_z[grid_index]))
    zeval = np.clip(node_pos, grid_z[0], grid_z[-1])
    k = np.clip(np.searchsorted(grid_z, zeval, side="right") - 1, 0, grid_z.size - 2)
    f = np.clip((zeval - grid_z[k]) / (grid_z[k + 1] - grid_z[k]), 0.0, 1.0)
    outside = (hi - lo) - np.where(inside, zb - za, 0.0)
    # where a column of cells may bend: every node but a slab's first, and its last only on a dose plane
    keep = (rank > 0) & ((rank < counts[plane] - 1) | (f == 0.0) | (f == 1.0))
    return node_offsets, node_pos, zeval, k, f, keep, outside


def _cumulative(P, A, B, inside):
    """The volume at least at each bin edge ``n * h``, clipped to ``[0, inside]`` when ``inside > 0``."""
    n = np.arange(P.size, dtype=np.float64)
    cumulative = P[::-1].cumsum()[::-1] + A.cumsum() - B.cumsum() * n
    if inside <= 0:
        return cumulative
    cumulative = np.clip(cumulative, 0.0, inside)
    cumulative[cumulative > inside * (1 - 1e-12)] = inside
    cumulative[cumulative < inside * 1e-12] = 0.0
    return np.minimum.accumulate(cumulative)


def _cells_of_runs(runs):
    widths = runs[:, 3] - runs[:, 2]
    owner = np.repeat(np.arange(runs.shape[0]), widths)
    first = np.cumsum(widths) - widths
    return runs[owner, 0], runs[owner, 1], runs[owner, 2] + np.arange(owner.size) - first[owner]


def _subsamples(p, j, i, n, bits):
    """Sub-sample ``bit = t*n + s`` of each cell: (plane, row, column, t, s)."""
    owner, bit = np.nonzero(bits)
    t, s = np.divmod(bit.astype(np.int64), n)
    return p[owner], j[owner], i[owner], t, s


def _columns(p, j, i, node_offsets, node_keep):
    """Whole cells inside on consecutive planes joined into columns, cut into pieces at the
    kept nodes: each piece's (row, column, first node, last node)."""
    order = np.lexsort((p, i, j))
    p, j, i = p[order], j[order], i[order]
    new = np.ones(p.size, dtype=bool)
    new[1:] = (j[1:] != j[:-1]) | (i[1:] != i[:-1]) | (p[1:] != p[:-1] + 1)
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], p.size)[: starts.size] - 1
    first, last = node_offsets[p[starts]], node_offsets[p[ends] + 1] - 1
    kept = np.flatnonzero(node_keep)
    lo = np.searchsorted(kept, first, side="right")
    n_pieces = np.searchsorted(kept, last, side="left") - lo + 1
    column = np.repeat(np.arange(starts.size), n_pieces)
    t = np.arange(column.size) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)

    def bend(q):
        inner = kept[np.clip(lo[column] + q - 1, 0, max(kept.size - 1, 0))] if kept.size else first[column]
        return np.where(q == 0, first[column], np.where(q == n_pieces[column], last[column], inner))

    return j[starts][column], i[starts][column], bend(t), bend(t + 1)


def accumulate(
    dose: NDArray[np.floating[Any]], x: NDArray[np.float64], y: NDArray[np.float64], z: NDArray[np.float64],
    runs: NDArray[np.int64], cells: NDArray[np.int64], masks: NDArray[np.uint64], S: int, n_inner: int,
    xb0: float, dx: float, yb0: float, dy: float, lo: NDArray[np.float64], hi: NDArray[np.float64],
    h: float, n_edges: int, threads: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The cumulative histogram at the bin edges ``n * h`` (mm3, :func:`_cumulative`) and
    ``[inside mm3, outside mm3, dose integral, min, max, pieces left out]`` (see :func:`_ramps`);
    plane ``p`` stands for the slab ``lo[p] .. hi[p]``.

    Whole interior cells (``n_inner == 1``) inside on consecutive planes form columns whose
    pieces meet only at the nodes where they bend.
    """
    del threads
    node_offsets, node_pos, node_zeval, node_k, node_f, node_keep, plane_outside = _nodes(lo, hi, z)
    plane_slab = hi - lo
    nz, ny, nx = dose.shape
    area = dx * dy
    rp, rj, ri = _cells_of_runs(runs)
    bit = np.arange(S * S, dtype=np.uint64)
    edge_bits = ((masks[:, bit >> np.uint64(6)] >> (bit & np.uint64(63))) & np.uint64(1)).astype(bool)
    groups = [(*_subsamples(cells[:, 0], cells[:, 1], cells[:, 2], S, edge_bits), S)]
    if n_inner > 1:
        groups.append((*_subsamples(rp, rj, ri, n_inner, np.ones((rp.size, n_inner * n_inner), bool)), n_inner))
        whole = None
    else:
        whole = (rp, rj, ri)

    outside = 0.0
    samples = []
    for p, j, i, t, s, n in groups:
        inside = (j >= 0) & (j < ny) & (i >= 0) & (i < nx)
        weight = area / (n * n)
        outside += weight * (plane_slab[p[~inside]].sum() + plane_outside[p[inside]].sum())
        p, j, i, t, s = p[inside], j[inside], i[inside], t[inside], s[inside]
        px = np.clip(xb0 + ((i * n + s) + 0.5) * (dx / n), x[0], x[-1])
        py = np.clip(yb0 + ((j * n + t) + 0.5) * (dy / n), y[0], y[-1])
        samples.append((p, weight, px, py))
    if whole is not None:
        p, j, i = whole
        inside = (j >= 0) & (j < ny) & (i >= 0) & (i < nx)
        outside += area * (plane_slab[p[~inside]].sum() + plane_outside[p[inside]].sum())
        whole = (p[inside], j[inside], i[inside])

    n_nodes = np.diff(node_offsets)
    masses, das, dbs = [], [], []

    def add(length, ends, weight):
        masses.append(weight * length)
        das.append(ends[0])
        dbs.append(ends[1])

    for step in range(int(n_nodes.max(initial=0)) - 1):
        for p, weight, px, py in samples:
            live = n_nodes[p] > step + 1
            a = node_offsets[p[live]] + step
            ends = [trilinear(dose, x, y, z, px[live], py[live], node_zeval[nd])[0] for nd in (a, a + 1)]
            add(node_pos[a + 1] - node_pos[a], ends, weight)
    if whole is not None:
        p, j, i = whole
        live = n_nodes[p] > 1
        jj, ii, na, nb = _columns(p[live], j[live], i[live], node_offsets, node_keep)
        ends = [(1 - node_f[nd]) * dose[node_k[nd], jj, ii] + node_f[nd] * dose[node_k[nd] + 1, jj, ii] for nd in (na, nb)]
        add(node_pos[nb] - node_pos[na], ends, area)
    mass = np.concatenate(masses) if masses else np.zeros(0)
    da = np.concatenate(das) if das else np.zeros(0)
    db = np.concatenate(dbs) if dbs else np.zeros(0)
    P, A, B, left_out = _ramps(mass, da, db, h, n_edges)
    totals = np.array([
        mass.sum(),
        outside,
        (mass * (da + db) / 2).sum(),
        min(da.min(initial=np.inf), db.min(initial=np.inf)),
        max(da.max(initial=-np.inf), db.max(initial=-np.inf)),
        left_out,
    ])
    return _cumulative(P, A, B, totals[0]), totals
