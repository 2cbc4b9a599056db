"""Plugin calls behind a time limit, in reused worker threads.

The plugin calls of one :func:`~coverage_sdk.evaluate` (every policy's ``applies_to_services``
and ``evaluate``) are handed together to one idle worker thread, which runs them in order
while the caller waits; each plugin call has its own limit. A call past its limit cannot be
stopped in Python: its worker is abandoned (a daemon thread, renamed ``... (abandoned)``, left
to finish or to end with the process) and the calls after it go to another worker. Workers
that finish go back to the pool, so a host deciding case after case starts no thread per
call: the pool holds as many workers as callers have run at once.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from coverage_sdk.errors import PluginError

TIMEOUT_VARIABLE = "COVERAGE_SDK_PLUGIN_TIMEOUT"
PLUGIN_THREAD = "coverage-sdk-plugin"


class _Abandoned(BaseException):
    """Ends an abandoned worker's run at its next step (never reaches a caller)."""


class Guard:
    """What a job calls plugins through: ``guard.call(what, function, *args)`` runs one plugin
    call under the time limit; ``SystemExit``, ``KeyboardInterrupt`` and other BaseExceptions
    the plugin raises become PluginError."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.lock = threading.Lock()
        self.what: str | None = None
        self.started = 0.0
        self.abandoned = False

    def call(self, what: str, function: Callable[..., Any], *args: Any) -> Any:
        with self.lock:
            if self.abandoned:
                raise _Abandoned
            self.what, self.started = what, time.monotonic()
        try:
            return function(*args)
        except Exception:
            raise
        except BaseException as exc:
            raise PluginError(f"{what} raised {type(exc).__name__}: {exc}") from exc
        finally:
            with self.lock:
                self.what = None
                if self.abandoned:
                    raise _Abandoned  # noqa: B012 - the worker's result is no longer wanted


JobResult = tuple[bool, Any, float]
"""A job's outcome: (returned, its value or the exception it raised, seconds it took)."""


class _Run:
    """Jobs ``jobs[start:]`` handed to one worker; the caller waits in :meth:`wait`."""

    def __init__(self, jobs: Sequence[Callable[[Guard], Any]], start: int, timeout: float) -> None:
        self.jobs, self.start = jobs, start
        self.guard = Guard(timeout)
        self.outcomes: list[JobResult] = []
        self.finished = False
        self.done = threading.Lock()
        self.done.acquire()

    def execute(self) -> bool:
        """Run the jobs in this (worker) thread; False when the run was abandoned."""
        guard = self.guard
        try:
            for job in self.jobs[self.start :]:
                started = time.perf_counter()
                try:
                    outcome: JobResult = (True, job(guard), time.perf_counter() - started)
                except _Abandoned:
                    raise
                except BaseException as exc:
                    outcome = (False, exc, time.perf_counter() - started)
                with guard.lock:
                    if guard.abandoned:
                        return False
                    self.outcomes.append(outcome)
        except _Abandoned:
            return False
        with guard.lock:
            self.finished = not guard.abandoned
        return self.finished

    def wait(self, worker: _Worker) -> str | None:
        """Block until the jobs are done (None) or a plugin call overruns its limit: then the
        worker is abandoned and the call's ``what`` returned."""
        guard = self.guard
        try:
            while True:
                with guard.lock:
                    if self.finished:
                        return None
                    remaining = guard.timeout
                    if guard.what is not None:
                        remaining = guard.started + guard.timeout - time.monotonic()
                        if remaining <= 0:
                            guard.abandoned = True
                            _abandon(worker, guard.what)
                            return guard.what
                if self.done.acquire(timeout=remaining):
                    return None
        except BaseException:
            with guard.lock:
                if not self.finished:
                    guard.abandoned = True
                    _abandon(worker, guard.what or "a plugin call")
            raise


class _Worker:
    """A daemon thread that runs one :class:`_Run` after another."""

    numbers = itertools.count(1)

    def __init__(self) -> None:
        self.wake = threading.Lock()
        self.wake.acquire()
        self.run: _Run | None = None
        self.thread = threading.Thread(target=self._loop, name=f"{PLUGIN_THREAD} {next(self.numbers)}", daemon=True)
        self.thread.start()

    def submit(self, run: _Run) -> None:
        self.run = run
        self.wake.release()

    def _loop(self) -> None:
        while True:
            self.wake.acquire()
            run, self.run = self.run, None
            assert run is not None
            if not run.execute():
                return
            done, run = run.done, None  # an idle worker holds nothing of the case
            with _pool_lock:
                _idle.append(self)
            done.release()


_pool_lock = threading.Lock()
_idle: list[_Worker] = []
_abandoned: list[threading.Thread] = []


def _abandon(worker: _Worker, what: str) -> None:
    worker.thread.name = f"{PLUGIN_THREAD}: {what} (abandoned)"
    with _pool_lock:
        _abandoned[:] = [t for t in _abandoned if t.is_alive()]
        _abandoned.append(worker.thread)


def run_plugin_calls(jobs: Sequence[Callable[[Guard], Any]], timeout: float) -> list[JobResult]:
    """Each ``job(guard)`` in order in a worker thread, its plugin calls through ``guard.call``
    given ``timeout`` seconds each; one outcome per job. A job whose plugin call overruns gets
    a PluginError, and the jobs after it run in another worker."""
    outcomes: list[JobResult] = []
    while len(outcomes) < len(jobs):
        run = _Run(jobs, len(outcomes), timeout)
        with _pool_lock:
            worker = _idle.pop() if _idle else None
        worker = worker or _Worker()
        started = time.perf_counter()
        worker.submit(run)
        overrun = run.wait(worker)
        outcomes += run.outcomes
        if overrun is not None:
            error = PluginError(f"{overrun} did not answer within {timeout:g} s (limit {TIMEOUT_VARIABLE})")
            outcomes.append((False, error, time.perf_counter() - started))
    return outcomes


class _PluginStdout:
    """``sys.stdout`` while plugins run: what a plugin's thread prints goes to stderr, so it
    cannot corrupt the host's output; every other thread writes through unchanged."""

    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout

    def _target(self) -> TextIO:
        return sys.stderr if threading.current_thread().name.startswith(PLUGIN_THREAD) else self.stdout

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stdout, name)


_stdout_lock = threading.Lock()
_stdout_users = 0


def _forget_threads() -> None:
    """In a forked child the workers' threads do not exist, and no lock is held."""
    global _pool_lock, _stdout_lock, _stdout_users
    _pool_lock, _stdout_lock, _stdout_users = threading.Lock(), threading.Lock(), 0
    _idle.clear()
    _abandoned.clear()


os.register_at_fork(after_in_child=_forget_threads)


@contextlib.contextmanager
def plugin_stdout() -> Iterator[None]:
    """Within the block (and while an abandoned worker lives), plugins' prints go to stderr."""
    global _stdout_users
    with _stdout_lock:
        if _stdout_users == 0 and not isinstance(sys.stdout, _PluginStdout):
            sys.stdout = _PluginStdout(sys.stdout)
        _stdout_users += 1
    try:
        yield
    finally:
        with _stdout_lock:
            _stdout_users -= 1
            running = any(thread.is_alive() for thread in _abandoned)
            if _stdout_users == 0 and isinstance(sys.stdout, _PluginStdout) and not running:
                sys.stdout = sys.stdout.stdout
