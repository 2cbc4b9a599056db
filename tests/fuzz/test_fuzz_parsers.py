"""The compiled and the pure-Python Decimal String parsers accept and read exactly the same text,
and the sequence walkers find the same items in the same (mutated) encodings."""

from __future__ import annotations

import io

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


def _sequence_values() -> list[tuple[bytes, bool]]:
    """The encoded ROI Contour Sequence of a small structure set in each little-endian encoding
    whose sequence pydicom keeps unparsed, and whether its VR is implicit."""
    import pydicom

    from coverage_sdk.testing import dicom
    from coverage_sdk.testing.dicom import ROI, Contour, Encoding, Lengths

    rois = [ROI(1, "A", [[(0.0, 0.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 1.0)]]), ROI(2, "B", [Contour([(1.0, 2.0, 3.0)], kind="POINT")])]
    values = []
    for encoding in (Encoding.IMPLICIT_LITTLE, Encoding.EXPLICIT_LITTLE):
        data = dicom.rtstruct(rois, encoding=encoding, lengths=Lengths.NESTED_UNDEFINED)
        ds = pydicom.dcmread(io.BytesIO(data))
        values.append((ds.get_item(0x30060039).value, ds.original_encoding[0]))
    return values


SEQUENCES = _sequence_values()
TAGS = np.array([0x30060084, 0x300600A4, 0x30060040, 0x30060050, 0xFFFEE000], dtype=np.uint32)


def _walk(module, buf: bytes, implicit: bool, depth: int):
    try:
        rows, owners = module.sequence_items(buf, np.array([0, len(buf), 0]), np.array([len(buf), len(buf), len(buf)]), implicit, TAGS, depth)
    except ValueError:
        return "malformed"
    return rows.tolist(), owners.tolist()


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(range(len(SEQUENCES))), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4),
       st.integers(0, 10**6), st.integers(0, 3))
def test_the_sequence_walkers_agree_on_mutated_encodings(which, changes, cut, depth):
    buf, implicit = SEQUENCES[which]
    mutated = bytearray(buf)
    for at, value in changes:
        mutated[at % len(mutated)] = value
    mutated = bytes(mutated[: len(mutated) - cut % 16])
    kernel = compiled_kernel("_dsparse")
    assert _walk(twin, mutated, implicit, depth) == _walk(kernel, mutated, implicit, depth)
