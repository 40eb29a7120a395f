"""One driver for every science step that updates derived tables (features, GP, predictions, anomalies).

A step is three parts:

* ``pending(conn) -> [objId]``: the objects that need work (SQL);
* ``compute(conn, ids) -> result``: read what the step needs and compute (pure work; it may run in a
  worker process on its own read-only connection, so it must be a module-level function);
* ``store(conn, ids, result)``: write the results of ``ids`` (SQL), inside the driver's
  ``begin immediate`` transaction.

The driver reads each chunk's inputs and the objects' versions (``objects.version``, which every
write of an object's photometry bumps) in one read transaction, so both come from the same
snapshot. At store time, inside the write transaction, it reads the versions again and passes
``store`` only the objects whose version is unchanged: results computed from data that a load or
the stream changed meanwhile are never stored (the next run redoes those objects), and an object
deleted meanwhile is simply left out, never failing the chunk.

With ``jobs > 1`` the chunks are computed by ``jobs - 1`` worker processes (``core.workers``) while
this process stores finished chunks and computes one itself whenever it has nothing to store.
Chunks commit one by one, so an interrupted run keeps what it finished.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import apsw

from minibroker.core.db import immediate
from minibroker.core.sqlfiles import render

PARALLEL_MIN_CHUNKS = 3  # fewer chunks than this: compute in this process (starting workers costs more)
CHUNKS_AHEAD = 2         # computed chunks waiting per worker: bounds memory


@dataclass(frozen=True)
class Step:
    name: str                                                  # progress-bar label
    pending: Callable[[apsw.Connection], list[int]]
    compute: Callable[[apsw.Connection, list[int]], Any]       # module-level: workers import it by name
    store: Callable[[apsw.Connection, list[int], Any], None]
    chunk: int = 1000


@dataclass
class StepRun:
    objects: int = 0        # objects pending when the run started
    stored: int = 0         # objects whose results were stored
    stale: int = 0          # objects changed or deleted between read and store: left for the next run
    seconds: float = 0.0


def versions(conn: apsw.Connection, ids: list[int]) -> dict[int, int]:
    """objId -> version of the objects of ``ids`` that exist."""
    return dict(conn.execute(render("queries/step/versions.sql"), {"objIds": json.dumps(ids)}).fetchall())


@contextmanager
def snapshot(conn: apsw.Connection):
    """A read transaction: every query inside sees the same committed state (outside a transaction
    already; inside one, it is that transaction's)."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("begin")
    try:
        yield conn
    finally:
        conn.execute("commit")


def read_and_compute(conn: apsw.Connection, compute, ids: list[int]) -> tuple[dict[int, int], Any]:
    """Versions and result of ``compute`` from one snapshot (one read transaction)."""
    with snapshot(conn):
        seen = versions(conn, ids)
        result = compute(conn, ids)
    return seen, result


def store_current(conn: apsw.Connection, store, ids: list[int], seen: dict[int, int], result) -> int:
    """``store(conn, current, result)`` in one write transaction, ``current`` being the objects of ``ids``
    whose version is still the one read (``seen``); returns how many were stored."""
    with immediate(conn):
        now = versions(conn, ids)
        current = [i for i in ids if i in seen and now.get(i) == seen[i]]
        if current:
            store(conn, current, result)
    return len(current)


def compute_in_worker(task) -> tuple[list[int], dict[int, int], Any]:
    """A worker-process task: ``read_and_compute`` on a fresh read-only connection."""
    opener, path, compute, ids = task
    conn = opener(path, readonly=True)
    try:
        seen, result = read_and_compute(conn, compute, ids)
    finally:
        conn.close()
    return ids, seen, result


def run(conn: apsw.Connection, step: Step, *, jobs: int = 1, opener=None, progress: bool | None = None,
        ids: list[int] | None = None) -> StepRun:
    """Run ``step`` over its pending objects (or ``ids``). ``opener(path, readonly=True)`` opens a worker's
    connection (needed for ``jobs > 1``: a module-level function such as ``minibroker.database.connect``)."""
    start = time.perf_counter()
    todo = step.pending(conn) if ids is None else list(ids)
    chunks = [todo[i:i + step.chunk] for i in range(0, len(todo), step.chunk)]
    result = StepRun(objects=len(todo))
    from tqdm import tqdm  # here, not at the top: worker processes import this module too

    disable = (not sys.stderr.isatty()) if progress is None else not progress

    def here(chunk_ids):
        seen, res = read_and_compute(conn, step.compute, chunk_ids)
        return chunk_ids, seen, res

    def stored(chunk_ids, seen, res):
        n = store_current(conn, step.store, chunk_ids, seen, res)
        result.stored += n
        result.stale += len(chunk_ids) - n
        bar.update(len(chunk_ids))

    with tqdm(total=len(todo), unit="obj", desc=step.name, disable=disable) as bar:
        if jobs > 1 and opener is not None and len(chunks) >= PARALLEL_MIN_CHUNKS and conn.filename:
            _run_parallel(conn, step, chunks, jobs - 1, opener, here, stored)
        else:
            for chunk_ids in chunks:
                stored(*here(chunk_ids))
    result.seconds = time.perf_counter() - start
    return result


def _run_parallel(conn, step, chunks, workers, opener, here, stored) -> None:
    """``workers`` processes compute chunks taken from one shared queue; this process stores what
    they return, in the order they finish, and while it has nothing to store (at first: the workers
    are still starting) it takes the next chunk itself."""
    from minibroker.core.workers import get_pool

    shared = _SharedIterator(chunks)
    results: queue.Queue = queue.Queue(maxsize=workers * CHUNKS_AHEAD)  # bounds memory
    stop = threading.Event()
    pool = get_pool(workers)
    path = conn.filename

    def feed() -> None:
        try:
            tasks = ((opener, path, step.compute, ids) for ids in shared)
            for item in pool.imap(compute_in_worker, tasks, ahead=CHUNKS_AHEAD):
                if not _put(results, (True, item), stop):
                    return  # the storing thread stopped: closing the generator kills busy workers
        except BaseException as exc:  # handed to the storing thread, which raises it
            _put(results, (False, exc), stop)
            return
        _put(results, (True, None), stop)

    feeder = threading.Thread(target=feed, name=f"{step.name}-feed", daemon=True)
    feeder.start()
    try:
        while True:
            try:
                ok, item = results.get_nowait()
            except queue.Empty:
                ids = next(shared, None)
                if ids is not None:
                    stored(*here(ids))
                    continue
                ok, item = results.get()
            if not ok:
                raise item
            if item is None:
                break
            stored(*item)
    finally:
        stop.set()  # on an error too: the feeder stops, and the workers still busy are killed
        feeder.join(timeout=10)


def _put(q: queue.Queue, item, stop: threading.Event) -> bool:
    """Put ``item`` unless ``stop`` is set first; True if it was put."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            pass
    return False


class _SharedIterator:
    """An iterator that two threads can take items from."""

    def __init__(self, items):
        self._it = iter(items)
        self._lock = threading.Lock()

    def __iter__(self):
        return self

    def __next__(self):
        with self._lock:
            return next(self._it)
