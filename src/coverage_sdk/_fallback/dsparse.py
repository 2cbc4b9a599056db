"""Twin of ext/_dsparse.pyx: DICOM Decimal String values parsed with numpy, and the items of
encoded sequences walked in Python."""

from __future__ import annotations

import re
import struct

import numpy as np
from numpy.typing import NDArray

_NUMBER = rb" *[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)? *"
_SPAN = re.compile(rb"(?:%s\\)*%s" % (_NUMBER, _NUMBER))
_TOKEN = re.compile(rb"[+-]?([0-9]*)\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?")
MAX_TOKEN = 255
FAST_MANTISSA = 1 << 53


def parse_spans(
    buf: bytes, starts: NDArray[np.int64], stops: NDArray[np.int64], num_threads: int = 1
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Parse the DS values ``buf[starts[s]:stops[s]]``; return ``(values, counts)``.

    ``counts[s]`` is the number of values in span ``s`` (0 for a blank span). Raises
    ``ValueError(s)`` for the first malformed span.
    """
    data = bytes(buf)
    texts = [data[a:b] for a, b in zip(np.asarray(starts).tolist(), np.asarray(stops).tolist())]
    counts = np.array([t.count(b"\\") + 1 if t.strip(b" ") else 0 for t in texts], dtype=np.int64)
    filled = [t for t, n in zip(texts, counts) if n]
    for s, text in enumerate(texts):
        if counts[s] and not _well_formed(text):
            raise ValueError(s)
    try:
        values = np.array(b"\\".join(filled).split(b"\\"), dtype=np.float64) if filled else np.zeros(0)
    except ValueError:
        values = None
    if values is None or values.size != counts.sum():
        raise ValueError(_first_malformed(texts, counts))
    return values, counts


def _first_malformed(texts: list[bytes], counts: np.ndarray) -> int:
    for s, (text, n) in enumerate(zip(texts, counts)):
        if n:
            try:
                np.array(text.split(b"\\"), dtype=np.float64)
            except ValueError:
                return s
    return 0


def _well_formed(text: bytes) -> bool:
    """The kernel's grammar: spaces, sign, digits with an optional point, an optional exponent;
    a token over MAX_TOKEN characters only where the kernel's exact fast path reads it."""
    if not _SPAN.fullmatch(text):
        return False
    for token in text.split(b"\\"):
        token = token.strip(b" ")
        if len(token) > MAX_TOKEN and not _fast(token):
            return False
    return True


def _fast(token: bytes) -> bool:
    match = _TOKEN.fullmatch(token)
    if match is None:
        return False
    whole, fraction, exponent = match.groups()
    digits = whole + fraction
    if len(digits) > 19:
        return False
    magnitude = (exponent or b"0").lstrip(b"+-").lstrip(b"0") or b"0"
    power = int(magnitude) if len(magnitude) < 7 else 10**6
    power = -power if exponent and exponent.startswith(b"-") else power
    return int(digits or b"0") < FAST_MANTISSA and -22 <= power - len(fraction) <= 22


def parse_contours(
    buf: bytes, starts: NDArray[np.int64], stops: NDArray[np.int64], num_threads: int = 1
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64], bool]:
    """Parse the DS values ``buf[starts[s]:stops[s]]`` as x, y, z triplets; return ``(xy, counts,
    z, finite)`` as ``ext/_dsparse.pyx`` does (z: the first, lowest and highest z of each span)."""
    values, counts = parse_spans(buf, starts, stops)
    points = counts // 3
    first_value = np.cumsum(counts) - counts
    first_point = np.cumsum(points) - points
    whole = np.repeat(first_value - 3 * first_point, 3 * points) + np.arange(3 * int(points.sum()))
    triplets = values[whole].reshape(-1, 3)
    z = np.zeros((counts.size, 3))
    filled = points > 0
    if filled.any():
        heights, at = triplets[:, 2], first_point[filled]
        z[filled] = np.column_stack((heights[at], np.minimum.reduceat(heights, at), np.maximum.reduceat(heights, at)))
    return np.ascontiguousarray(triplets[:, :2]), counts, z, bool(np.all(np.isfinite(triplets)))


_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_UNDEFINED = 0xFFFFFFFF
_LONG_VRS = frozenset((b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"))
_HEAD = struct.Struct("<HHI")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")


class _Malformed(ValueError):
    pass


def sequence_items(
    buf: bytes, starts: NDArray[np.int64], stops: NDArray[np.int64], implicit: bool, tags: NDArray[np.uint32], max_depth: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The items of the encoded sequence values ``buf[starts[s]:stops[s]]``: ``(rows, owners)``,
    ``rows`` ``(items, len(tags), 3)`` of each tag's element header, value start and value stop
    (-1 where absent), ``owners`` the span of each item, as ``ext/_dsparse.pyx`` gives them;
    ``ValueError`` where malformed or nested deeper than ``max_depth``."""
    if len(starts) != len(stops):
        raise ValueError("expected as many starts as stops")
    spans = list(zip(np.asarray(starts).tolist(), np.asarray(stops).tolist()))
    if not all(0 <= start <= stop <= len(buf) for start, stop in spans):
        raise ValueError("the spans must lie inside the buffer")
    wanted = [int(tag) for tag in tags]
    items = [(s, found) for s, (start, stop) in enumerate(spans) for found in _items(buf, start, stop, implicit, 0, max_depth)[0]]
    rows = np.full((len(items), len(wanted), 3), -1, dtype=np.int64)
    for i, (_, found) in enumerate(items):
        for t, tag in enumerate(wanted):
            if tag in found:
                rows[i, t] = found[tag]
    return rows, np.array([s for s, _ in items], dtype=np.int64)


Found = dict[int, tuple[int, int, int]]


def _header(buf: bytes, pos: int, stop: int) -> tuple[int, int, int]:
    """(group, tag, 32-bit length) of the element or item header at ``buf[pos:stop]``."""
    if pos + 8 > stop:
        raise _Malformed
    group, element, length = _HEAD.unpack_from(buf, pos)
    return group, group << 16 | element, length


def _elements(buf: bytes, pos: int, stop: int, implicit: bool, depth: int, max_depth: int) -> tuple[Found, int]:
    """(header, value start, value stop) by tag of the item encoded at ``buf[pos:stop]``, and where it ends."""
    if depth > max_depth:
        raise _Malformed
    found: Found = {}
    while pos < stop:
        group, tag, length = _header(buf, pos, stop)
        if tag == _ITEM_END:
            return found, pos + 8
        start = pos + 8
        if not implicit and group != 0xFFFE and buf[pos + 4 : pos + 6] in _LONG_VRS:
            if pos + 12 > stop:
                raise _Malformed
            length = _U32.unpack_from(buf, pos + 8)[0]
            start = pos + 12
        elif not implicit and group != 0xFFFE:
            length = _U16.unpack_from(buf, pos + 6)[0]
        if length == _UNDEFINED:
            end = _items(buf, start, stop, implicit, depth + 1, max_depth)[1]
            if _header(buf, end, stop)[1] != _SEQUENCE_END:
                raise _Malformed
            found[tag] = (pos, start, end)
            pos = end + 8
        else:
            if start + length > stop:
                raise _Malformed
            found[tag] = (pos, start, start + length)
            pos = start + length
    return found, pos


def _items(buf: bytes, pos: int, stop: int, implicit: bool, depth: int, max_depth: int) -> tuple[list[Found], int]:
    """The items of the sequence value at ``buf[pos:stop]``, and where it ends (its delimiter, if any)."""
    items: list[Found] = []
    while pos < stop:
        _, tag, length = _header(buf, pos, stop)
        if tag == _SEQUENCE_END:
            return items, pos
        if tag != _ITEM:
            raise _Malformed
        if length == _UNDEFINED:
            found, pos = _elements(buf, pos + 8, stop, implicit, depth, max_depth)
        else:
            end = pos + 8 + length
            if end > stop:
                raise _Malformed
            found, _ = _elements(buf, pos + 8, end, implicit, depth, max_depth)
            pos = end
        items.append(found)
    return items, pos
