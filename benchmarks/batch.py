"""The batch benchmark of issue 16, in one run: ``python benchmarks/batch.py``.

Writes N synthetic metric-only cases (default 100,000; ``coverage_sdk.batch.synth``), then
times, on the same cases and in the same run:

- the single-process loop: :func:`coverage_sdk.batch.chunks.decide_chunk` called on every
  chunk in this process (the same work, files included, with no engine);
- ``coverage-sdk batch`` on the local engine and on a Dask LocalCluster, with 1 and 2 worker
  processes (wall time from the call to the summary, engine start-up included);
- the CPU seconds per case of each run, of this process and every process under it (load
  changes the wall time, not these);
- the per-task overhead of each engine: empty chunks through 1 worker (submit, run, write
  the chunk's files, return its counts), after a warm-up.

and prints cases/s, the ratio to the single-process loop and the 2-worker / 1-worker ratio.
``--repeat R`` runs the whole round R times (the runs interleave, so a change of load falls on
all of them) and prints min / median / max. The machine's load average is printed before and
after, and the single-process loop's rate per CPU-second it used: on a shared machine the other
processes take their share of the wall time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from coverage_sdk.batch.chunks import CHUNK_SIZE, Chunk, Job, decide_chunk, plan_chunks, worker_host
from coverage_sdk.batch.engines import make_engine
from coverage_sdk.batch.inputs import read_cases
from coverage_sdk.batch.progress import PlainProgress
from coverage_sdk.batch.run import run_batch
from coverage_sdk.batch.synth import synth_cases, write_cases

WHEN = "2026-01-01T00:00:00+00:00"


class _Silent(PlainProgress):
    def __init__(self) -> None:
        super().__init__(io.StringIO(), interval=3600)


def single_process(cases: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the loop in this process."""
    out.mkdir()
    worker_host()
    job = Job(str(out), None, WHEN)
    started, cpu = time.perf_counter(), time.process_time()
    for chunk in plan_chunks(read_cases([cases]), CHUNK_SIZE):
        decide_chunk(chunk, job)
    return time.perf_counter() - started, time.process_time() - cpu


class ProcessTreeCPU:
    """CPU seconds used by this process and every process under it (pool workers, Dask
    scheduler, nannies and workers), sampled every ``interval`` seconds while the block runs."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.used: dict[int, float] = {}
        self.stop = threading.Event()

    def _sample(self) -> None:
        me = psutil.Process()
        for process in [me, *me.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            self.used[process.pid] = max(self.used.get(process.pid, 0.0), times.user + times.system)

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> ProcessTreeCPU:
        self._sample()
        self.before = dict(self.used)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self._sample()
        self.seconds = sum(used - self.before.get(pid, 0.0) for pid, used in self.used.items())


def engine_run(cases: Path, out: Path, engine: str, workers: int) -> tuple[float, float]:
    """Wall seconds of ``run_batch``, and the CPU seconds of this process and all under it."""
    with ProcessTreeCPU() as cpu:
        started = time.perf_counter()
        run_batch([cases], out, engine=engine, workers=workers, evaluated_at=WHEN, progress=_Silent())
        wall = time.perf_counter() - started
    return wall, cpu.seconds


def task_overhead(engine: str, out: Path, tasks: int) -> float:
    """Seconds per empty task through one worker, after one warm-up task."""
    out.mkdir()
    job = Job(str(out), None, WHEN)
    runner = make_engine(engine, 1)
    try:
        runner.result(runner.submit(decide_chunk, Chunk(10**6, ()), job))
        started = time.perf_counter()
        pending = {runner.submit(decide_chunk, Chunk(i, ()), job) for i in range(tasks)}
        while pending:
            done, pending = runner.wait_any(pending)
            for future in done:
                runner.result(future)
        return (time.perf_counter() - started) / tasks
    finally:
        runner.close()


def spread(values: list[float], digits: int = 0) -> str:
    shown = [min(values), statistics.median(values), max(values)] if len(values) > 1 else values
    return " / ".join(f"{v:.{digits}f}" for v in shown)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--overhead-tasks", type=int, default=200)
    parser.add_argument("--engines", default="local,dask")
    parser.add_argument("--json", metavar="FILE", help="also write the measurements here")
    args = parser.parse_args()
    engines = args.engines.split(",")
    load_before = os.getloadavg()
    results: dict[str, list[float]] = {}
    overhead: dict[str, list[float]] = {}
    cpu_rates: list[float] = []
    cpu_per_case: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="coverage-sdk-batch-bench-") as tmp:
        root = Path(tmp)
        cases = root / "cases.jsonl"
        started = time.perf_counter()
        write_cases(synth_cases(args.cases, args.seed), cases)
        print(f"{args.cases} synthetic cases written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        for runs in range(1, args.repeat + 1):
            wall, cpu = single_process(cases, root / f"single-{runs}")
            results.setdefault("single process", []).append(args.cases / wall)
            cpu_rates.append(args.cases / cpu)
            cpu_per_case.setdefault("single process", []).append(cpu / args.cases)
            print(f"single process: {results['single process'][-1]:.0f} cases/s", file=sys.stderr)
            for engine in engines:
                for workers in (1, 2):
                    key = f"{engine}, {workers} worker{'s' if workers > 1 else ''}"
                    wall, cpu = engine_run(cases, root / f"{engine}-{workers}-{runs}", engine, workers)
                    rate = args.cases / wall
                    results.setdefault(key, []).append(rate)
                    cpu_per_case.setdefault(key, []).append(cpu / args.cases)
                    print(f"{key}: {rate:.0f} cases/s", file=sys.stderr)
                overhead.setdefault(engine, []).append(task_overhead(engine, root / f"overhead-{engine}-{runs}", args.overhead_tasks))
    load_after = os.getloadavg()

    single = statistics.median(results["single process"])
    label = "min / median / max" if args.repeat > 1 else "one run"
    print(f"coverage-sdk batch benchmark: {args.cases} synthetic metric-only cases, chunks of {CHUNK_SIZE}, {label}")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; load average before "
          f"{load_before[0]:.2f}, after {load_after[0]:.2f}")  # fmt: skip
    single_cpu = statistics.median(cpu_per_case["single process"])
    print(f"\n{'run':22s} {'cases/s':>22s} {'x single process':>17s} {'CPU ms per case':>22s} {'CPU x single':>13s}")
    for key, rates in results.items():
        ms = [1e3 * s for s in cpu_per_case[key]]
        print(f"{key:22s} {spread(rates):>22s} {statistics.median(rates) / single:16.2f}x "
              f"{spread(ms, 3):>22s} {statistics.median(cpu_per_case[key]) / single_cpu:12.2f}x")  # fmt: skip
    print(f"\nsingle process, per CPU-second used (what the load does not change): {spread(cpu_rates)} cases/s")
    for engine in engines:
        one, two = (statistics.median(results[f"{engine}, {n} worker{'s' if n > 1 else ''}"]) for n in (1, 2))
        ms = [1e3 * s for s in overhead[engine]]
        print(f"\n{engine}: 2 workers / 1 worker = {two / one:.2f}x; per-task overhead {spread(ms, 2)} ms "
              f"(empty chunk through 1 worker, files written)")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps({"cases": args.cases, "cases_per_second": results, "overhead_seconds": overhead, "single_process_cases_per_cpu_second": cpu_rates, "cpu_seconds_per_case": cpu_per_case,
                                               "load_before": load_before, "load_after": load_after}, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
