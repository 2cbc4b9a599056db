"""Twin of ext/_dsparse.pyx: DICOM Decimal String values parsed with numpy."""

from __future__ import annotations

import numpy as np


def parse_spans(buf, starts, stops, num_threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Parse the DS values ``buf[starts[s]:stops[s]]``; return ``(values, counts)``.

    ``counts[s]`` is the number of values in span ``s`` (0 for a blank span). Raises
    ``ValueError(s)`` for the first malformed span.
    """
    data = bytes(buf)
    texts = [data[a:b] for a, b in zip(np.asarray(starts).tolist(), np.asarray(stops).tolist())]
    counts = np.array([t.count(b"\\") + 1 if t.strip(b" ") else 0 for t in texts], dtype=np.int64)
    filled = [t for t, n in zip(texts, counts) if n]
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
