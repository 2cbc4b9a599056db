"""The batch benchmark of issue 16, in one command: ``python benchmarks/batch.py``.

Writes N synthetic metric-only cases (``--cases``, default 100,000; ``coverage_sdk.batch.synth``)
as one JSON Lines file, then runs ``--rounds`` rounds (default 3). Each round times, on the
same cases:

- the single-process loop: :func:`coverage_sdk.batch.chunks.decide_chunk` on every chunk in
  this process (the same work, files included, with no engine, the plugin host already made);
- ``run_batch`` on each engine with 1 and 2 worker processes, back to back, 1 then 2 workers in
  odd rounds and 2 then 1 in even ones, so that a change of load falls on both;
- each engine's start-up (engine made and a first empty task back) and per-task overhead
  (empty chunks through 1 worker, their files written, after that first task).

Each engine run is reported three ways. **Steady state**: the cases finished between 10 % and
90 % of the batch over the time between, so worker start-up, the last chunks and shut-down
are not in it. **End to end**: the cases over the wall time from the call to the summary.
**Fixed cost**: the end-to-end time less the cases at the steady rate (start-up, the tail
and shut-down). The acceptance figure, 2 workers at least 1.8x 1 worker, compares the steady
state of the two runs of the same round; the end-to-end ratio is printed beside it.

What the neighbours on a shared machine do not change is reported too: the CPU time the
process running the batch uses per case (reading the input, planning chunks, the engine's
client and, for Dask, its scheduler and nannies), the CPU time the workers use per case in
the steady state, and how many CPUs the workers had (their CPU seconds per second in the
steady state: 2.0 is two workers never waiting). Every figure is the median (min-max) over
the rounds, with the load average (1 min) at the start and end of the runs behind it; the
load counts this benchmark's own busy processes (1 to 3).
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
import time
from pathlib import Path

import attrs
import psutil

from coverage_sdk.batch.chunks import CHUNK_SIZE, Chunk, Job, decide_chunk, plan_chunks, worker_host
from coverage_sdk.batch.engines import make_engine
from coverage_sdk.batch.progress import PlainProgress
from coverage_sdk.batch.run import run_batch
from coverage_sdk.batch.synth import synth_cases, write_cases

WHEN = "2026-01-01T00:00:00+00:00"
STEADY = (0.1, 0.9)


class Timeline(PlainProgress):
    """Progress that records, at every finished chunk, the time, the cases done and the CPU
    seconds the processes under this one have used (found at the first chunk, then only read)."""

    def __init__(self) -> None:
        super().__init__(io.StringIO(), interval=3600)
        self.points: list[tuple[float, int, float]] = []
        self.workers: list[psutil.Process] | None = None
        self.cpu: dict[int, float] = {}

    def _worker_cpu(self) -> float:
        for process in self.workers or ():
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            self.cpu[process.pid] = times.user + times.system
        return sum(self.cpu.values())

    def start(self, total: int) -> None:
        super().start(total)
        self.points.append((time.perf_counter(), 0, 0.0))

    def advance(self, cases: int, *, resumed: bool = False) -> None:
        super().advance(cases, resumed=resumed)
        if self.workers is None:
            self.workers = psutil.Process().children(recursive=True)
        self.points.append((time.perf_counter(), self.done, self._worker_cpu()))


@attrs.frozen
class EngineRun:
    wall: float
    steady_rate: float
    fixed_seconds: float
    parent_cpu_per_case: float
    worker_cpu_per_case: float
    worker_cpus: float
    load: float


def steady_window(points: list[tuple[float, int, float]], total: int) -> tuple[float, int, float]:
    """Seconds, cases and worker CPU seconds between the chunks that bring the batch past 10 % and 90 %."""
    low = next(p for p in points if p[1] >= STEADY[0] * total)
    high = next(p for p in points if p[1] >= STEADY[1] * total)
    if high[1] == low[1]:
        raise SystemExit(f"{total} cases are too few chunks for a steady state: use more --cases or a smaller --chunk-size")
    return high[0] - low[0], high[1] - low[1], high[2] - low[2]


def single_process(cases: Path, out: Path, chunk_size: int) -> tuple[float, float]:
    """Wall and CPU seconds of the loop in this process."""
    out.mkdir()
    worker_host()
    job = Job(str(out), None, WHEN)
    started, cpu = time.perf_counter(), time.process_time()
    for chunk in plan_chunks([cases], chunk_size):
        decide_chunk(chunk, job)
    return time.perf_counter() - started, time.process_time() - cpu


def engine_run(cases: Path, n: int, out: Path, engine: str, workers: int, chunk_size: int) -> EngineRun:
    timeline = Timeline()
    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    run_batch([cases], out, engine=engine, workers=workers, chunk_size=chunk_size, evaluated_at=WHEN, progress=timeline)
    wall, parent_cpu = time.perf_counter() - started, time.process_time() - cpu
    seconds, decided, worker_cpu = steady_window(timeline.points, n)
    rate = decided / seconds
    return EngineRun(wall, rate, wall - n / rate, parent_cpu / n, worker_cpu / decided, worker_cpu / seconds,
                     (load_before + os.getloadavg()[0]) / 2)  # fmt: skip


def task_costs(engine: str, out: Path, tasks: int) -> tuple[float, float]:
    """Seconds to make the engine with 1 worker and get a first empty task back, then seconds per empty task."""
    out.mkdir()
    job = Job(str(out), None, WHEN)
    started = time.perf_counter()
    runner = make_engine(engine, 1)
    try:
        runner.result(runner.submit(decide_chunk, Chunk(10**6, ()), job))
        start_up = time.perf_counter() - started
        started = time.perf_counter()
        pending = {runner.submit(decide_chunk, Chunk(i, ()), job) for i in range(tasks)}
        while pending:
            done, pending = runner.wait_any(pending)
            for future in done:
                runner.result(future)
        return start_up, (time.perf_counter() - started) / tasks
    finally:
        runner.close()


def spread(values: list[float], digits: int = 0, scale: float = 1.0) -> str:
    shown = [scale * v for v in values]
    middle = f"{statistics.median(shown):.{digits}f}"
    return middle if len(shown) == 1 else f"{middle} ({min(shown):.{digits}f}-{max(shown):.{digits}f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--overhead-tasks", type=int, default=200)
    parser.add_argument("--engines", default="local,dask")
    parser.add_argument("--json", metavar="FILE", help="also write every measurement here")
    args = parser.parse_args()
    engines = args.engines.split(",")
    n = args.cases
    single: list[tuple[float, float, float]] = []
    runs: dict[tuple[str, int], list[EngineRun]] = {(e, w): [] for e in engines for w in (1, 2)}
    costs: dict[str, list[tuple[float, float]]] = {e: [] for e in engines}
    load_first = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="coverage-sdk-batch-bench-") as tmp:
        root = Path(tmp)
        cases = root / "cases.jsonl"
        started = time.perf_counter()
        write_cases(synth_cases(n, args.seed), cases)
        print(f"{n} synthetic cases written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        for round_ in range(1, args.rounds + 1):
            load = os.getloadavg()[0]
            wall, cpu = single_process(cases, root / f"single-{round_}", args.chunk_size)
            single.append((wall, cpu, (load + os.getloadavg()[0]) / 2))
            print(f"round {round_}: single process {n / wall:.0f} cases/s", file=sys.stderr)
            for engine in engines:
                for workers in (1, 2) if round_ % 2 else (2, 1):
                    run = engine_run(cases, n, root / f"{engine}-{workers}-{round_}", engine, workers, args.chunk_size)
                    runs[engine, workers].append(run)
                    print(f"round {round_}: {engine}, {workers} worker(s): steady {run.steady_rate:.0f} cases/s, "
                          f"end to end {n / run.wall:.0f}, load {run.load:.1f}", file=sys.stderr)  # fmt: skip
                costs[engine].append(task_costs(engine, root / f"costs-{engine}-{round_}", args.overhead_tasks))
    load_last = os.getloadavg()[0]

    print(f"coverage-sdk batch benchmark: {n} synthetic metric-only cases in one JSON Lines file, chunks of "
          f"{args.chunk_size}, {args.rounds} rounds; median (min-max) over the rounds")  # fmt: skip
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; load average (1 min) "
          f"{load_first:.2f} at the start, {load_last:.2f} at the end")  # fmt: skip
    print(f"\nsingle process: {spread([n / w for w, _, _ in single])} cases/s, "
          f"{spread([c / n for _, c, _ in single], 3, 1e3)} ms CPU per case, load {spread([x for *_, x in single], 1)}")  # fmt: skip
    header = ("run", "steady cases/s", "x single", "end to end cases/s", "fixed s", "batch process us CPU/case",
              "worker ms CPU/case", "worker CPUs", "load")  # fmt: skip
    rows = [header]
    for (engine, workers), found in runs.items():
        rows.append((
            f"{engine}, {workers} worker{'s' if workers > 1 else ''}",
            spread([r.steady_rate for r in found]),
            spread([r.steady_rate * w / n for r, (w, _, _) in zip(found, single)], 2),
            spread([n / r.wall for r in found]),
            spread([r.fixed_seconds for r in found], 1),
            spread([r.parent_cpu_per_case for r in found], 1, 1e6),
            spread([r.worker_cpu_per_case for r in found], 3, 1e3),
            spread([r.worker_cpus for r in found], 2),
            spread([r.load for r in found], 1),
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    print("\n2 workers / 1 worker, in each round (acceptance: the steady state, at least 1.8x):")
    for engine in engines:
        one, two = runs[engine, 1], runs[engine, 2]
        steady = [b.steady_rate / a.steady_rate for a, b in zip(one, two)]
        end_to_end = [a.wall / b.wall for a, b in zip(one, two)]
        cpu_bound = [2 * a.worker_cpu_per_case / (b.worker_cpu_per_case + b.parent_cpu_per_case) for a, b in zip(one, two)]
        start_up, per_task = zip(*costs[engine])
        print(f"  {engine}: steady {spread(steady, 2)}x, end to end {spread(end_to_end, 2)}x; "
              f"on 2 idle CPUs, from CPU time (2 x 1-worker / (2-worker + batch process) CPU per case) {spread(cpu_bound, 2)}x")  # fmt: skip
        print(f"  {engine}: start-up {spread(list(start_up), 2)} s (engine made, first empty task back), "
              f"per-task overhead {spread(list(per_task), 1, 1e3)} ms (empty chunk through 1 worker, files written)")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps({
            "cases": n, "chunk_size": args.chunk_size, "load_first": load_first, "load_last": load_last,
            "single_process": [{"wall": w, "cpu": c, "load": x} for w, c, x in single],
            "runs": {f"{e}-{w}": [attrs.asdict(r) for r in found] for (e, w), found in runs.items()},
            "start_up_and_per_task_seconds": costs,
        }, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
