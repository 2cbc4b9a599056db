"""Run a batch: read the inputs, send chunks to an engine, follow progress, sum up.

``OUT/batch.json`` records what the batch is (inputs, policies, chunk size, the audit time
every determination carries); a batch run again on the same ``OUT`` checks it is the same
batch and skips the chunks already done. At the end ``OUT/errors.jsonl`` gathers the bad
cases of every chunk and ``OUT/summary.json`` the counts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import attrs

import coverage_sdk as cs

from .chunks import (
    CHUNK_SIZE,
    Chunk,
    ChunkResult,
    Job,
    decide_chunk,
    done_path,
    plan_chunks,
    read_done,
    worker_host,
    write_atomic,
)  # fmt: skip
from .core import select
from .engines import Engine, make_engine, map_unordered
from .inputs import case_files, count_cases
from .progress import Progress, make_progress


@attrs.frozen
class Manifest:
    """What a batch is; a resumed batch must match it."""

    inputs: list[str]
    policies: list[str] | None
    chunk_size: int
    summary_only: bool
    evaluated_at: str


@attrs.define
class Summary:
    """Counts of a batch: cases, bad cases, plugin failures, outcomes by policy; chunks done
    in this run and resumed from an earlier one; this run's time and rate."""

    cases: int = 0
    errors: int = 0
    plugin_failures: int = 0
    outcomes: dict[str, dict[str, int]] = attrs.Factory(dict)
    chunks: int = 0
    chunks_resumed: int = 0
    cases_decided_now: int = 0
    seconds: float = 0.0

    @property
    def cases_per_second(self) -> float:
        return self.cases_decided_now / self.seconds if self.seconds else 0.0

    def add(self, result: ChunkResult, *, resumed: bool) -> None:
        self.cases += result.cases
        self.errors += result.errors
        self.plugin_failures += result.plugin_failures
        for policy, counts in result.outcomes.items():
            mine = self.outcomes.setdefault(policy, {})
            for outcome, n in counts.items():
                mine[outcome] = mine.get(outcome, 0) + n
        self.chunks += 1
        self.chunks_resumed += resumed
        self.cases_decided_now += 0 if resumed else result.cases


def _manifest(out: Path, wanted: Manifest) -> Manifest:
    path = out / "batch.json"
    if not path.exists():
        write_atomic(path, [json.dumps(cs.unstructure(wanted), indent=2, sort_keys=True)])
        return wanted
    found = cs.get_converter().structure(json.loads(path.read_text("utf-8")), Manifest)
    if attrs.evolve(found, evaluated_at=wanted.evaluated_at) != wanted:
        raise cs.InputError(
            "this folder holds another batch (other inputs, policies, chunk size or --summary-only); use a new --out",
            source=str(path),
        )
    return found


def run_batch(
    inputs: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], *, engine: str = "local",
    workers: int | None = None, scheduler: str | None = None, policies: Sequence[str] | None = None,
    summary_only: bool = False, chunk_size: int = CHUNK_SIZE, evaluated_at: str | None = None,
    progress: Progress | None = None,
) -> Summary:  # fmt: skip
    """Decide every case of ``inputs`` into ``out``, resuming a batch already started there;
    files under ``out`` are never inputs."""
    if chunk_size < 1:
        raise cs.InputError("must be at least 1", location="--chunk-size")
    out = Path(out).resolve()
    files = [p for p in map(Path.resolve, case_files(inputs)) if out not in p.parents]
    if policies:
        select(worker_host().policies(), policies)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".chunk-*.tmp"):
        stale.unlink()
    when = evaluated_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    manifest = _manifest(out, Manifest(list(map(str, files)), list(policies) if policies else None, chunk_size, summary_only, when))
    job = Job(str(out), tuple(policies) if policies else None, manifest.evaluated_at, not summary_only)
    progress = progress or make_progress()
    summary = Summary()
    started = time.perf_counter()
    runner = make_engine(engine, workers, scheduler)
    try:
        progress.start(count_cases(files))
        _drive(runner, job, plan_chunks(files, chunk_size), summary, progress)
    finally:
        runner.close()
        progress.close()
    summary.seconds = round(time.perf_counter() - started, 3)
    _gather_errors(out)
    write_atomic(out / "summary.json", [json.dumps(cs.unstructure(summary), indent=2, sort_keys=True)])
    return summary


def _drive(runner: Engine, job: Job, chunks: Iterable[Chunk], summary: Summary, progress: Progress) -> None:
    def to_decide() -> Iterator[Chunk]:
        for chunk in chunks:
            marker = done_path(job.out_dir, chunk)
            if marker.exists():
                result = read_done(marker)
                summary.add(result, resumed=True)
                progress.advance(result.cases, resumed=True)
            else:
                yield chunk

    for result in map_unordered(runner, decide_chunk, to_decide(), job):
        summary.add(result, resumed=False)
        progress.advance(result.cases)


def _gather_errors(out: Path) -> None:
    lines = []
    for path in sorted(out.glob("chunk-*.errors.jsonl")):
        lines += [line for line in path.read_text("utf-8").splitlines() if line]
    write_atomic(out / "errors.jsonl", lines)


def summary_text(summary: Summary) -> str:
    """The summary for a person: outcomes per policy, then the totals."""
    outcomes = [o.value for o in cs.Outcome]
    rows = [[policy, *(str(counts.get(o, 0)) for o in outcomes), str(sum(counts.values()))]
            for policy, counts in sorted(summary.outcomes.items())]  # fmt: skip
    header = ["policy", *outcomes, "total"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in [header, *rows]]
    resumed = f" ({summary.chunks_resumed} resumed from an earlier run)" if summary.chunks_resumed else ""
    lines.append(
        f"{summary.cases} cases in {summary.chunks} chunks{resumed}; {summary.errors} bad cases; "
        f"{summary.plugin_failures} plugin failures; {summary.cases_decided_now} decided in {summary.seconds:.1f} s "
        f"({summary.cases_per_second:.0f} cases/s)"
    )
    return "\n".join(lines)
