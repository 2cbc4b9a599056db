"""Twin of ext/_dsparse.pyx: DICOM Decimal String values parsed with numpy."""

from __future__ import annotations

import re

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
