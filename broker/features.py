"""``make features``: lcFeats, lcBandStats and lcPeriodFeats, computed inside SQLite, for every object
that needs them.

Incremental: an object needs features when it has no lcFeats or no lcPeriodFeats row. The loader deletes that
row whenever it adds or replaces the object's photometry, in the same transaction, so a
re-run on an unchanged database selects nothing. Objects are done in chunks, one
transaction each, so an interrupted run keeps what it finished.

Each chunk is two steps: ``sql/features/compute.sql.j2`` (read-only: the project's aggregate
over the chunk's packed lcBands rows returns every band's features as JSON) and
``sql/features/store.sql.j2`` (the writer puts those rows in temp tables and stores them in
lcBandStats and lcFeats).
With ``jobs`` > 1 the computing also runs in ``jobs - 1`` worker processes (``broker.workers``),
each on its own read-only connection, while this process stores the chunks as they finish and
computes one itself whenever it has none to store: every core computes and the writes overlap.
A chunk's features are stored only for objects whose file is still the one they were computed
from (``store.sql.j2``), so a load committed in between cannot leave stale features behind.
Small runs stay in this process: starting the workers costs more than it saves.
"""

import json
import queue
import sys
import threading
import time
from dataclasses import dataclass

import apsw
import orjson

from broker import default_jobs
from broker.db import connect, immediate
from broker.sqlfiles import render

CHUNK = 1000
PARALLEL_MIN_CHUNKS = 3  # fewer chunks than this: compute in this process
CHUNKS_AHEAD = 2  # computed chunks waiting per worker: bounds memory


@dataclass
class FeatureRun:
    objects: int
    seconds: float


def pending(conn: apsw.Connection, dataset: str | None = None) -> list[int]:
    return [r[0] for r in conn.execute(render("queries/features/todo.sql"), {"dataset": dataset})]


def compute_chunk(conn: apsw.Connection, ids: list[int]) -> tuple[list, list, list]:
    """(bands, period, seen): the three JSON arrays of ``features/compute.sql.j2`` for these objects,
    parsed."""
    bands, period, seen = conn.execute(render("features/compute.sql.j2"), {"objIds": json.dumps(ids)}).fetchone()
    return orjson.loads(bands), orjson.loads(period or "[]"), orjson.loads(seen)


def store_chunk(conn: apsw.Connection, chunk: tuple[list, list, list]) -> None:
    """Store a ``compute_chunk`` result with ``features/store_period.sql.j2`` (lcPeriodFeats) and
    ``features/store.sql.j2`` (lcBandStats, lcFeats); the caller holds the write transaction."""
    bands, period, seen = chunk
    conn.execute(render("features/chunk_tables.sql.j2"))
    conn.executemany(render("features/insert_chunk_bands.sql.j2"), bands)
    conn.executemany(render("features/insert_chunk_period.sql.j2"), period)
    conn.executemany(render("features/insert_chunk_seen.sql"), seen)
    conn.execute(render("features/store_period.sql.j2"))
    conn.execute(render("features/store.sql.j2"))


def compute_in_worker(task: tuple[str, list[int]]) -> tuple[int, tuple[list, list]]:
    """(objects, chunk): ``compute_chunk`` on a fresh read-only connection to ``task[0]``
    (a worker-process task)."""
    path, ids = task
    conn = connect(path, readonly=True)
    try:
        return len(ids), compute_chunk(conn, ids)
    finally:
        conn.close()


def compute(conn: apsw.Connection, dataset: str | None = None, *, chunk: int = CHUNK,
            jobs: int | None = None, progress: bool | None = None) -> FeatureRun:
    """Compute lcFeats/lcBandStats for the objects that need them; returns how many and how long.

    ``jobs``: processes computing, this one included (default: the usable cores; 0 or 1: this
    process only). This process stores every chunk and computes whenever it has nothing to store,
    so it counts as one of them: ``jobs - 1`` worker processes.
    """
    start = time.perf_counter()
    todo = pending(conn, dataset)
    chunks = [todo[i:i + chunk] for i in range(0, len(todo), chunk)]
    jobs = default_jobs() if jobs is None else jobs
    from tqdm import tqdm  # here, not at the top: worker processes import this module too

    disable = (not sys.stderr.isatty()) if progress is None else not progress
    with tqdm(total=len(todo), unit="obj", desc="features", disable=disable) as bar:
        if jobs > 1 and len(chunks) >= PARALLEL_MIN_CHUNKS and conn.filename:
            _run_parallel(conn, chunks, jobs - 1, bar.update)
        else:
            for ids in chunks:
                bar.update(_run_here(conn, ids))
    return FeatureRun(len(todo), time.perf_counter() - start)


def _run_here(conn: apsw.Connection, ids: list[int]) -> int:
    with immediate(conn):  # computed and stored in one transaction: nothing can change between
        store_chunk(conn, compute_chunk(conn, ids))
    return len(ids)


def _run_parallel(conn: apsw.Connection, chunks: list[list[int]], workers: int, done) -> None:
    """``workers`` processes compute chunks taken from one shared queue; this process stores what
    they return, in the order they finish, and while it has nothing to store (at first: the workers
    are still starting) it takes the next chunk itself."""
    from broker.workers import get_pool

    shared = _SharedIterator(chunks)
    results: queue.Queue = queue.Queue(maxsize=workers * CHUNKS_AHEAD)  # bounds memory
    stop = threading.Event()
    pool = get_pool(workers)
    path = conn.filename

    def feed() -> None:
        try:
            for result in pool.imap(compute_in_worker, ((path, ids) for ids in shared), ahead=CHUNKS_AHEAD):
                if not _put(results, (True, result), stop):
                    return  # the storing thread stopped: closing the generator kills busy workers
        except BaseException as exc:  # handed to the storing thread, which raises it
            _put(results, (False, exc), stop)
            return
        _put(results, (True, None), stop)

    feeder = threading.Thread(target=feed, name="features-feed", daemon=True)
    feeder.start()
    try:
        while True:
            try:
                ok, result = results.get_nowait()
            except queue.Empty:
                ids = next(shared, None)
                if ids is not None:
                    done(_run_here(conn, ids))
                    continue
                ok, result = results.get()
            if not ok:
                raise result
            if result is None:
                break
            n, chunk = result
            with immediate(conn):
                store_chunk(conn, chunk)
            done(n)
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
