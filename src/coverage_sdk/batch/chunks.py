"""Chunks of a batch, and the one function that decides a chunk under every engine.

The worker that decides a chunk writes its files itself, each to a temporary name then renamed:
``chunk-000042.jsonl`` (its determinations, one JSON object a line, cases in input order),
``chunk-000042.errors.jsonl`` (its bad cases, when there are any) and last
``chunk-000042.done.json`` (its counts). A chunk whose ``done`` file exists is finished: a
resumed batch skips it. Nothing but the counts goes back to the process that runs the batch.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

import coverage_sdk as cs

from .core import PluginHost, default_host
from .inputs import CaseText, parse_case

CHUNK_SIZE = 1000


@attrs.frozen
class Chunk:
    """Cases decided by one task, numbered in the order of their first case."""

    index: int
    cases: tuple[CaseText, ...]
    heavy: bool = False

    @property
    def name(self) -> str:
        return f"chunk-{self.index:06d}"


@attrs.frozen
class Job:
    """What every chunk of a batch shares: where to write, which policies, the audit time."""

    out_dir: str
    policies: tuple[str, ...] | None
    evaluated_at: str
    write_determinations: bool = True


@attrs.frozen
class CaseError:
    """A case that could not be decided: its location (``file`` or ``file:line``) and why."""

    location: str
    message: str
    json_path: str | None = None
    policy_id: str | None = None


@attrs.define
class ChunkResult:
    """A chunk's counts: cases, bad cases, plugin failures, outcomes by policy."""

    index: int
    cases: int = 0
    errors: int = 0
    plugin_failures: int = 0
    outcomes: dict[str, dict[str, int]] = attrs.Factory(dict)


def plan_chunks(cases: Iterable[CaseText], size: int = CHUNK_SIZE) -> Iterator[Chunk]:
    """Chunks of ``size`` cases in input order; a case with DICOM plans is a heavier chunk of its own."""
    pending: list[CaseText] = []
    pending_index = next_index = 0
    for item in cases:
        if item.has_dicom:
            yield Chunk(next_index, (item,), heavy=True)
            next_index += 1
            continue
        if not pending:
            pending_index, next_index = next_index, next_index + 1
        pending.append(item)
        if len(pending) == size:
            yield Chunk(pending_index, tuple(pending))
            pending = []
    if pending:
        yield Chunk(pending_index, tuple(pending))


def done_path(out_dir: str | os.PathLike[str], chunk: Chunk) -> Path:
    return Path(out_dir) / f"{chunk.name}.done.json"


def read_done(path: Path) -> ChunkResult:
    return cs.get_converter().structure(json.loads(path.read_text("utf-8")), ChunkResult)


def worker_host() -> PluginHost:
    """The plugin host of this worker process (the process-wide default host), created on its first chunk."""
    return default_host()


def _line(obj: object) -> str:
    return json.dumps(cs.unstructure(obj), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def write_atomic(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` to a temporary file beside ``path``, flush it to disk, then rename it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line)
            handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def decide_chunk(chunk: Chunk, job: Job) -> ChunkResult:
    """Decide every case of ``chunk``, write its files, return its counts."""
    host = worker_host()
    result = ChunkResult(chunk.index, cases=len(chunk.cases))
    determinations: list[str] = []
    errors: list[CaseError] = []
    for item in chunk.cases:
        try:
            decided = cs.evaluate(parse_case(item), job.policies, host=host, evaluated_at=job.evaluated_at)
        except cs.InputError as exc:
            errors.append(CaseError(item.location, exc.detail, exc.location))
            continue
        for det in decided:
            by_outcome = result.outcomes.setdefault(det.policy_id, {})
            by_outcome[det.outcome.value] = by_outcome.get(det.outcome.value, 0) + 1
            if det.error is not None:
                if det.error.startswith("InputError"):
                    message = det.error.removeprefix("InputError: ")
                    errors.append(CaseError(item.location, message, policy_id=det.policy_id))
                else:
                    result.plugin_failures += 1
            if job.write_determinations:
                determinations.append(_line(det))
    result.errors = len(errors)
    out = Path(job.out_dir)
    if job.write_determinations:
        write_atomic(out / f"{chunk.name}.jsonl", determinations)
    if errors:
        write_atomic(out / f"{chunk.name}.errors.jsonl", map(_line, errors))
    write_atomic(done_path(out, chunk), [_line(result)])
    return result
