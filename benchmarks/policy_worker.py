"""One measurement of the policy engine, run by benchmarks/policy.py in the SDK under test.

``python policy_worker.py throughput SECONDS CASE...``: metric-only cases decided one after
another through the Python API with one reused plugin host, for SECONDS of wall-clock time;
prints JSON with cases per wall-clock second and per CPU second of this process (every
thread counted: the plugin calls run in worker threads).
``python policy_worker.py first CASE``: import + the first determination, in this process,
in wall-clock and CPU seconds. Only names that every release has (``load_case``,
``evaluate``) are used.
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
    started, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        for case in cases:
            determinations += len(cs.evaluate(case))
            count += 1
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    return {
        "cases_per_s": count / elapsed, "cases_per_cpu_s": count / used,
        "determinations_per_s": determinations / elapsed, "first": len(decided),
    }  # fmt: skip


def first(path: str) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    import coverage_sdk as cs

    cs.evaluate(cs.load_case(path))
    return {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}


if __name__ == "__main__":
    kind, *rest = sys.argv[1:]
    result = throughput(float(rest[0]), rest[1:]) if kind == "throughput" else first(rest[0])
    print(json.dumps(result))
