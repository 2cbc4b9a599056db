"""The cases of a batch: case JSON files, folders of them, and JSON Lines files (gzip accepted).

A case is read as bytes and parsed by the worker that decides it; its location (``file`` or
``file:line``) names it in the errors file. Folders are read recursively, in name order. A
:class:`Span` names cases without holding them (a file, or a byte range of a JSON Lines file),
so the process that plans a batch sends the workers only where to read.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

import coverage_sdk as cs

LINE_SUFFIXES = (".jsonl", ".ndjson")
CASE_SUFFIXES = (".json", *LINE_SUFFIXES)


@attrs.frozen
class CaseText:
    """One case as read: where it is, its JSON bytes, and the folder its relative DICOM paths resolve against."""

    location: str
    data: bytes
    base_dir: str

    @property
    def has_dicom(self) -> bool:
        return has_dicom(self.data)


def has_dicom(data: bytes) -> bool:
    """The case JSON ``data`` has a plan with DICOM files (a heavier task than submitted metrics)."""
    if b'"dicom"' not in data:
        return False
    try:
        plans = json.loads(data)["radiation"]["plans"]
        return any(isinstance(p, dict) and p.get("dicom") for p in plans)
    except (ValueError, KeyError, TypeError):
        return False


@attrs.frozen
class Span:
    """Cases of one input file, named ``name`` in locations, read from ``path`` (resolved). With
    ``first_line`` 0 the whole file is one case; otherwise the JSON Lines from byte ``start`` to
    ``end``, the first being line ``first_line``; ``data`` holds those lines when a worker cannot
    seek to them itself (in a gzip file)."""

    name: str
    path: str
    start: int = 0
    end: int = 0
    first_line: int = 0
    data: bytes | None = attrs.field(default=None, repr=False)

    def cases(self) -> Iterator[CaseText]:
        base_dir = os.path.dirname(self.path)
        if not self.first_line:
            yield CaseText(self.name, _read(Path(self.path)), base_dir)
            return
        if self.data is None:
            with open(self.path, "rb") as handle:
                handle.seek(self.start)
                data = handle.read(self.end - self.start)
        else:
            data = self.data
        for number, line in _numbered(io.BytesIO(data), self.first_line):
            yield CaseText(f"{self.name}:{number}", line, base_dir)


def _inner_suffix(path: Path) -> str:
    name = path.name.lower()
    return Path(name[:-3]).suffix if name.endswith(".gz") else path.suffix.lower()


def _is_case_file(path: Path) -> bool:
    return _inner_suffix(path) in CASE_SUFFIXES


def case_files(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files behind ``inputs`` in order, folders expanded; a missing input is an InputError."""
    files: list[Path] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and _is_case_file(p))
        elif path.is_file():
            files.append(path)
        else:
            raise cs.InputError("no such file or folder", source=str(given))
    return files


def _read(path: Path) -> bytes:
    with open_binary(path) as handle:
        return handle.read()


def is_json_lines(path: Path) -> bool:
    return _inner_suffix(path) in LINE_SUFFIXES


def open_binary(path: Path) -> io.BufferedIOBase:
    """``path`` opened for reading bytes, decompressed when its name ends in .gz."""
    return gzip.GzipFile(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _numbered(lines: Iterable[bytes], first_line: int) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of ``lines`` with their numbers, line ends removed."""
    for number, line in enumerate(lines, first_line):
        if line.strip():
            yield number, line.rstrip(b"\r\n")


def read_cases(inputs: Iterable[str | os.PathLike[str]]) -> Iterator[CaseText]:
    """Every case of ``inputs`` in input order; JSON Lines files give one case per non-blank line."""
    for path in case_files(inputs):
        base_dir = str(path.resolve().parent)
        if is_json_lines(path):
            with open_binary(path) as handle:
                for number, line in _numbered(handle, 1):
                    yield CaseText(f"{path}:{number}", line, base_dir)
        else:
            yield CaseText(str(path), _read(path), base_dir)


def count_cases(inputs: Iterable[str | os.PathLike[str]]) -> int:
    """How many cases ``read_cases`` gives, for progress and ETA."""
    total = 0
    for path in case_files(inputs):
        if is_json_lines(path):
            with open_binary(path) as handle:
                total += sum(1 for _ in _numbered(handle, 1))
        else:
            total += 1
    return total


def parse_case(item: CaseText) -> cs.Case:
    """The Case of ``item``; bad JSON or a bad case raises InputError naming the location."""
    try:
        data = json.loads(item.data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise cs.InputError(f"not UTF-8 text (byte {exc.start})", source=item.location) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}" if exc.lineno > 1 else f"column {exc.colno}"
        raise cs.InputError(f"malformed JSON at {where}: {exc.msg}", source=item.location) from None
    case = cs.structure_case(data, source=item.location)
    return attrs.evolve(case, base_dir=item.base_dir)
