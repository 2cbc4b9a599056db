"""Where chunks run: ``local``, a process pool on this machine, or ``dask``, a dask.distributed
cluster (a LocalCluster, or an existing scheduler's address). Both run the same task functions
(:func:`.chunks.decide_chunk` for a batch), called as ``task(chunk, context)``."""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any, Protocol

import coverage_sdk as cs

from .chunks import Chunk

Task = Callable[[Chunk, Any], Any]

ENGINES = ("local", "dask")


class Engine(Protocol):
    workers: int

    def submit(self, task: Task, chunk: Chunk, context: Any) -> Any: ...

    def wait_any(self, futures: Collection[Any]) -> tuple[set[Any], set[Any]]: ...

    def result(self, future: Any) -> Any: ...

    def close(self) -> None: ...


class LocalEngine:
    """A pool of ``workers`` processes started fresh (forkserver), each with its own plugin host."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self.pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))

    def submit(self, task: Task, chunk: Chunk, context: Any) -> concurrent.futures.Future:
        return self.pool.submit(task, chunk, context)

    def wait_any(self, futures: Collection[Any]) -> tuple[set[Any], set[Any]]:
        done, pending = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        return set(done), set(pending)

    def result(self, future: concurrent.futures.Future) -> Any:
        return future.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


QUIET_CLUSTER = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
}


class DaskEngine:
    """A dask.distributed client: on a LocalCluster of ``workers`` single-threaded processes bound
    to 127.0.0.1, or on the cluster at ``scheduler``. Heavier (DICOM) chunks get a higher priority.

    The LocalCluster runs with :data:`QUIET_CLUSTER`: its scheduler, nannies and workers check
    their event loops every second instead of every 20 ms, sample system and memory use every
    5 s and 1 s instead of 500 ms and 100 ms, and its workers do not profile the running task
    every 10 ms; tasks wait on the scheduler until a worker is free, so there is nothing to
    steal. Idle, these timers cost the process running the batch about 45 ms of CPU a second
    and each worker about 29 ms; quiet, 6 ms and 3 ms. Its own logs are silenced (its
    shutdown races log heartbeat errors); a task's error comes back through its future."""

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        try:
            import dask
            import distributed
        except ImportError:
            raise cs.InputError(
                "the dask engine needs dask.distributed: pip install 'coverage-sdk[dask]'", location="--engine"
            ) from None
        self._distributed = distributed
        self.cluster = None
        if scheduler is None:
            with dask.config.set(QUIET_CLUSTER):
                self.cluster = distributed.LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address=None, silence_logs=logging.CRITICAL,
                )  # fmt: skip
                self.client = distributed.Client(self.cluster)
        else:
            self.client = distributed.Client(scheduler)
        self.workers = sum(self.client.nthreads().values()) or workers
        self._batch = uuid.uuid4().hex[:8]

    def submit(self, task: Task, chunk: Chunk, context: Any) -> Any:
        return self.client.submit(
            task, chunk, context, key=f"{task.__name__}-{chunk.name}-{self._batch}", pure=False, priority=int(chunk.heavy)
        )

    def wait_any(self, futures: Collection[Any]) -> tuple[set[Any], set[Any]]:
        done, pending = self._distributed.wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done), set(pending)

    def result(self, future: Any) -> Any:
        outcome = future.result()
        future.release()
        return outcome

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_engine(name: str, workers: int | None = None, scheduler: str | None = None) -> Engine:
    """The engine ``name`` with ``workers`` processes (default: this machine's CPU count)."""
    workers = workers or os.cpu_count() or 1
    if name == "local":
        if scheduler is not None:
            raise cs.InputError("--scheduler is for the dask engine", location="--scheduler")
        return LocalEngine(workers)
    if name == "dask":
        return DaskEngine(workers, scheduler)
    raise cs.InputError(f"{name!r} is not one of {', '.join(ENGINES)}", location="--engine")


def map_unordered(runner: Engine, task: Task, chunks: Iterable[Chunk], context: Any) -> Iterator[Any]:
    """``task(chunk, context)`` for every chunk, results as they finish; at most two tasks per
    worker (and two more) are in flight, so input is read as fast as it is decided."""
    in_flight: set[Any] = set()
    limit = 2 * runner.workers + 2
    for chunk in chunks:
        while len(in_flight) >= limit:
            done, in_flight = runner.wait_any(in_flight)
            yield from map(runner.result, done)
        in_flight.add(runner.submit(task, chunk, context))
    while in_flight:
        done, in_flight = runner.wait_any(in_flight)
        yield from map(runner.result, done)
