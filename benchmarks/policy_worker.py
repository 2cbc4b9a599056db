"""One measurement of the policy engine, run by benchmarks/policy.py in the SDK under test.

``python policy_worker.py throughput SECONDS CASE...``: metric-only cases decided one after
another through the Python API with one reused plugin host; prints JSON with cases/s.
``python policy_worker.py first CASE``: import + the first determination, in this process.
Only names that every release has (``load_case``, ``evaluate``) are used.
"""

from __future__ import annotations

import json
import sys
import time


def throughput(seconds: float, paths: list[str]) -> dict:
    import coverage_sdk as cs

    cases = [cs.load_case(path) for path in paths]
    decided = cs.evaluate(cases[0])
    count, determinations = 0, 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for case in cases:
            determinations += len(cs.evaluate(case))
            count += 1
    elapsed = time.perf_counter() - started
    return {"cases_per_s": count / elapsed, "determinations_per_s": determinations / elapsed, "first": len(decided)}


def first(path: str) -> dict:
    started = time.perf_counter()
    import coverage_sdk as cs

    cs.evaluate(cs.load_case(path))
    return {"seconds": time.perf_counter() - started}


if __name__ == "__main__":
    kind, *rest = sys.argv[1:]
    result = throughput(float(rest[0]), rest[1:]) if kind == "throughput" else first(rest[0])
    print(json.dumps(result))
