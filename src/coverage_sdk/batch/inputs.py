"""The cases of a batch: case JSON files, folders of them, and JSON Lines files (gzip accepted).

A case is read as bytes and parsed by the worker that decides it; its location (``file`` or
``file:line``) names it in the errors file. Folders are read recursively, in name order.
"""

from __future__ import annotations

import gzip
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
        """The case has a plan with DICOM files (a heavier task than submitted metrics)."""
        if b'"dicom"' not in self.data:
            return False
        try:
            plans = json.loads(self.data)["radiation"]["plans"]
            return any(isinstance(p, dict) and p.get("dicom") for p in plans)
        except (ValueError, KeyError, TypeError):
            return False


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
    with (gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")) as handle:
        return handle.read()


def read_cases(inputs: Iterable[str | os.PathLike[str]]) -> Iterator[CaseText]:
    """Every case of ``inputs`` in input order; JSON Lines files give one case per non-blank line."""
    for path in case_files(inputs):
        base_dir = str(path.resolve().parent)
        if _inner_suffix(path) in LINE_SUFFIXES:
            opener = gzip.open if path.name.lower().endswith(".gz") else open
            with opener(path, "rb") as handle:
                for number, line in enumerate(handle, 1):
                    if line.strip():
                        yield CaseText(f"{path}:{number}", line.rstrip(b"\r\n"), base_dir)
        else:
            yield CaseText(str(path), _read(path), base_dir)


def count_cases(inputs: Iterable[str | os.PathLike[str]]) -> int:
    """How many cases ``read_cases`` gives, for progress and ETA."""
    total = 0
    for path in case_files(inputs):
        if _inner_suffix(path) in LINE_SUFFIXES:
            opener = gzip.open if path.name.lower().endswith(".gz") else open
            with opener(path, "rb") as handle:
                total += sum(1 for line in handle if line.strip())
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
