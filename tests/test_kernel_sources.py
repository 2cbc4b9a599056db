"""Static checks of the Cython kernels' sources for mistakes the compiler does not report."""

from __future__ import annotations

import re

import pytest
from repo_paths import REPO

KERNEL_SOURCES = sorted((REPO / "ext").glob("*.pyx"))


def _prange_bodies(text: str):
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if re.match(r"\s*for .* in prange\(", line):
            indent = len(line) - len(line.lstrip())
            body = []
            for later in lines[n + 1 :]:
                if later.strip() and len(later) - len(later.lstrip()) <= indent:
                    break
                body.append(later)
            yield n + 1, "\n".join(body)


@pytest.mark.parametrize("source", KERNEL_SOURCES, ids=lambda p: p.name)
def test_no_prange_body_takes_the_address_of_a_scalar(source):
    """Cython makes a prange variable thread-private only when the body assigns it by name; one
    set only through ``&name`` stays shared between the threads (a data race)."""
    for line, body in _prange_bodies(source.read_text()):
        taken = re.findall(r"&\s*([A-Za-z_]\w*)\b(?!\s*\[)", body)
        assert not taken, f"{source.name}: prange at line {line} takes the address of {sorted(set(taken))}"


def test_the_check_finds_prange_bodies():
    bodies = [body for source in KERNEL_SOURCES for _, body in _prange_bodies(source.read_text())]
    assert len(bodies) >= 4
    racy = "for r in prange(n, nogil=True):\n    k = _locate(v, &fx)\n"
    assert re.findall(r"&\s*([A-Za-z_]\w*)\b(?!\s*\[)", next(_prange_bodies(racy))[1]) == ["fx"]
