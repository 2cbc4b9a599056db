"""One host shared by many threads: the same determinations as one thread (README, Embedding)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import coverage_sdk as cs
from repo_paths import EXAMPLES


def test_threads_sharing_the_default_host_decide_as_one_thread():
    cases = [cs.load_case(p) for p in sorted(EXAMPLES.glob("*.json")) if '"dicom"' not in p.read_text()]
    host = cs.default_host()

    def decide(case):
        return cs.get_converter().unstructure(cs.evaluate(case, host=host, evaluated_at="t"))

    serial = [decide(case) for case in cases]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(5):
            assert list(pool.map(decide, cases)) == serial
