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
from .inputs import CaseText, Span, has_dicom, is_json_lines, open_binary, parse_case

CHUNK_SIZE = 1000


@attrs.frozen
class Chunk:
    """Cases decided by one task, numbered in the order of their first case."""

    index: int
    spans: tuple[Span, ...]
    heavy: bool = False

    @property
    def name(self) -> str:
        return f"chunk-{self.index:06d}"

    def cases(self) -> Iterator[CaseText]:
        """The chunk's cases, read by the process that decides them."""
        for span in self.spans:
            yield from span.cases()


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


def plan_chunks(files: Iterable[Path], size: int = CHUNK_SIZE) -> Iterator[Chunk]:
    """Chunks of ``size`` cases of ``files`` in input order; a case with DICOM plans is a heavier
    chunk of its own. A chunk names byte ranges of JSON Lines files, not their cases: only the
    lines of gzip files, which a worker cannot seek in, travel with it."""
    planner = _Planner(size)
    for path in files:
        yield from planner.add_file(path)
    if planner.spans:
        yield Chunk(planner.index, tuple(planner.spans))


@attrs.define
class _Planner:
    """The chunk being filled (its spans, cases and index) and the next free chunk index."""

    size: int
    spans: list[Span] = attrs.Factory(list)
    count: int = 0
    index: int = 0
    next_index: int = 0

    def _take(self, span: Span, cases: int) -> Iterator[Chunk]:
        if not cases:
            return
        if not self.count:
            self.index, self.next_index = self.next_index, self.next_index + 1
        self.spans.append(span)
        self.count += cases
        if self.count == self.size:
            yield Chunk(self.index, tuple(self.spans))
            self.spans, self.count = [], 0

    def _heavy(self, span: Span) -> Chunk:
        self.next_index += 1
        return Chunk(self.next_index - 1, (span,), heavy=True)

    def add_file(self, path: Path) -> Iterator[Chunk]:
        name, resolved = str(path), str(path.resolve())
        if not is_json_lines(path):
            whole = Span(name, resolved)
            if has_dicom(next(whole.cases()).data):
                yield self._heavy(whole)
            else:
                yield from self._take(whole, 1)
            return
        packed = path.name.lower().endswith(".gz")
        start = end = cases = 0
        first_line = 1
        kept: list[bytes] = []

        def span(stop: int) -> Span:
            return Span(name, resolved, start, stop, first_line, b"".join(kept) if packed else None)

        with open_binary(path) as handle:
            for number, line in enumerate(handle, 1):
                begin, end = end, end + len(line)
                if b'"dicom"' in line and has_dicom(line):
                    yield from self._take(span(begin), cases)
                    yield self._heavy(Span(name, resolved, begin, end, number, line if packed else None))
                    start, first_line, cases, kept = end, number + 1, 0, []
                    continue
                if packed:
                    kept.append(line)
                if not line.strip():
                    continue
                cases += 1
                if self.count + cases == self.size:
                    yield from self._take(span(end), cases)
                    start, first_line, cases, kept = end, number + 1, 0, []
        yield from self._take(span(end), cases)


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
    result = ChunkResult(chunk.index)
    determinations: list[str] = []
    errors: list[CaseError] = []
    for item in chunk.cases():
        result.cases += 1
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
