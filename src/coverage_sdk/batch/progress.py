"""Progress of a batch on stderr: a rich bar with cases/s and ETA on a terminal, plain
periodic lines otherwise. Cases from resumed chunks count as done but not in the rate."""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

PLAIN_INTERVAL_SECONDS = 10.0


class Progress(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, cases: int, *, resumed: bool = False) -> None: ...

    def close(self) -> None: ...


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


class PlainProgress:
    """A line every ``interval`` seconds and at the end: cases done, rate, ETA."""

    def __init__(self, stream: TextIO | None = None, interval: float = PLAIN_INTERVAL_SECONDS) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.total = self.done = self.decided = 0

    def start(self, total: int) -> None:
        self.total = total
        self.started = self.last = time.monotonic()

    def advance(self, cases: int, *, resumed: bool = False) -> None:
        self.done += cases
        self.decided += 0 if resumed else cases
        if time.monotonic() - self.last >= self.interval:
            self._line()

    def _line(self) -> None:
        self.last = time.monotonic()
        elapsed = self.last - self.started
        rate = self.decided / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        eta = _duration(left / rate) if rate > 0 else "unknown"
        share = 100.0 * self.done / self.total if self.total else 100.0
        print(f"batch: {self.done}/{self.total} cases ({share:.1f} %), {rate:.0f} cases/s, ETA {eta}", file=self.stream, flush=True)

    def close(self) -> None:
        if hasattr(self, "started"):
            self._line()


class RichProgress:
    """A rich progress bar: cases done of total, cases/s, elapsed and ETA, drawn twice a second
    (rich's default, ten times, costs the process running the batch 13 ms of CPU a second)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )  # fmt: skip

        self.bar = Progress(
            TextColumn("batch"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[rate]:.0f} cases/s"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), refresh_per_second=2,
        )  # fmt: skip
        self.decided = 0

    def start(self, total: int) -> None:
        self.started = time.monotonic()
        self.task = self.bar.add_task("batch", total=total, rate=0.0)
        self.bar.start()

    def advance(self, cases: int, *, resumed: bool = False) -> None:
        self.decided += 0 if resumed else cases
        elapsed = time.monotonic() - self.started
        self.bar.update(self.task, advance=cases, rate=self.decided / elapsed if elapsed > 0 else 0.0)

    def close(self) -> None:
        self.bar.stop()


def make_progress(stream: TextIO | None = None) -> Progress:
    """A rich bar when ``stream`` (stderr) is a terminal and rich is installed, else plain lines."""
    stream = stream or sys.stderr
    if stream.isatty():
        try:
            return RichProgress()
        except ImportError:
            pass
    return PlainProgress(stream)
