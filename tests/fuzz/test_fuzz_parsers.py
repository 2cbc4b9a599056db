"""The compiled and the pure-Python Decimal String parsers accept and read exactly the same text."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from compiled import compiled_kernel
from coverage_sdk._fallback import dsparse as twin

ALPHABET = b"0123456789.+-eE \\\t_nNaAiIfF\x00x"
TEXT = st.lists(st.sampled_from(list(ALPHABET)), max_size=40).map(bytes) | st.sampled_from(
    [b"1_000", b"\t1", b"nan", b"inf", b"Infinity", b"1e400", b"0x10", b" 1.5 \\ -2e3 ", b"1" + b"0" * 300, b"1e" + b"0" * 300 + b"1"]
)


def _parse(module, text: bytes):
    try:
        values, counts = module.parse_spans(text, np.zeros(1, np.int64), np.array([len(text)], np.int64))
    except ValueError:
        return "malformed"
    return values.tolist(), counts.tolist()


@settings(max_examples=800, deadline=None)
@given(TEXT)
def test_the_twin_agrees_with_the_kernel(text):
    kernel = compiled_kernel("_dsparse")
    assert _parse(twin, text) == _parse(kernel, text)
