"""The contract every fuzz input is held to, run through the real command in a child process.

The child runs under ``RLIMIT_AS`` (MEMORY_BYTES) and ``RLIMIT_CPU``; the parent kills it after
LIMIT_S. Whatever the input, the command exits 0, 2 or 3, never from a signal, never with a
traceback, within the limit. :class:`OpenWatch` proves that no file outside a case's folder is
opened: it is a FIFO, and a thread notices any reader opening it.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import attrs

from repo_paths import EXAMPLES

LIMIT_S = 90.0
MEMORY_BYTES = 4 << 30
CPU_S = 120
PHANTOM_CASE = EXAMPLES / "bcbsnc-femur-phantom-dicom.json"
PHANTOM_POLICY = "bcbsnc-imrt-extremity-sarcoma"


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_S, CPU_S))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@attrs.frozen
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: str | os.PathLike | None = None, limit_s: float = LIMIT_S) -> Run:
    """``coverage-sdk ARGS`` in a child process under the limits; a hang fails the test."""
    environment = {**os.environ, "PYTHONFAULTHANDLER": "1", **(env or {})}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "coverage_sdk.cli", *args], capture_output=True, text=True, errors="replace",
            timeout=limit_s, preexec_fn=_limits, env=environment, cwd=cwd,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise AssertionError(f"coverage-sdk {' '.join(a[:60] for a in args)} ran past {limit_s:g} s") from None
    return Run(tuple(args), done.returncode, done.stdout, done.stderr)


def assert_contract(run: Run, allowed: tuple[int, ...] = (0, 2, 3)) -> Run:
    """Exit 0, 2 or 3 (or those ``allowed``), not from a signal, with no traceback."""
    shown = f"{' '.join(a[:60] for a in run.args)}\n--- stderr ---\n{run.err[-3000:]}"
    assert run.code >= 0, f"killed by signal {-run.code}: {shown}"
    assert run.code in allowed, f"exit {run.code}, expected one of {allowed}: {shown}"
    assert "Traceback (most recent call last)" not in run.err + run.out, shown
    assert "Fatal Python error" not in run.err, shown
    return run


def without_time(determinations: list[dict]) -> list[dict]:
    """Determinations with ``audit.evaluated_at`` removed, the one field allowed to differ."""
    return [{**d, "audit": {k: v for k, v in d["audit"].items() if k != "evaluated_at"}} for d in determinations]


def phantom_folder(folder: Path) -> Path:
    """A case folder holding the phantom example and its DICOM; returns the case file."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLES / "phantom", folder / "phantom", dirs_exist_ok=True)
    case = folder / PHANTOM_CASE.name
    case.write_bytes(PHANTOM_CASE.read_bytes())
    return case


def phantom_case(**plan_dicom: str) -> dict:
    """The phantom example's JSON, the first plan's DICOM paths replaced by ``plan_dicom``."""
    data = json.loads(PHANTOM_CASE.read_text(encoding="utf-8"))
    data["radiation"]["plans"][0]["dicom"].update(plan_dicom)
    return data


class OpenWatch:
    """A FIFO at ``path``: :attr:`opened` is set when any process opens it for reading.

    Opening a FIFO for writing without blocking succeeds only while a reader holds it open,
    so a thread that keeps trying notices every reader (and lets a blocked one go on).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self.opened = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                time.sleep(0.002)
                continue
            self.opened.set()
            os.close(fd)

    def __enter__(self) -> OpenWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
