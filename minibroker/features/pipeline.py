"""``make features``: lcFeats, lcBandStats and lcPeriodFeats, computed inside SQLite, for every object
that needs them.

Incremental: an object needs features when it has no lcFeats or no lcPeriodFeats row. The loader
deletes both rows whenever it adds or replaces the object's photometry, in the same transaction, so a
re-run on an unchanged database selects nothing.

A science step run by the one driver (``minibroker.core.step``): each chunk of objects is
``sql/features/compute.sql.j2`` (read-only: the project's aggregate over the chunk's packed lcBands
rows returns every band's features as JSON; it can run in a worker process) and
``sql/features/store.sql.j2`` (the writer puts those rows in temp tables and stores them in
lcBandStats and lcFeats). The driver stores a chunk's features only for objects whose photometry is
still the one they were computed from, so a load committed in between cannot leave stale features.
"""

import json
from dataclasses import dataclass
from functools import partial

import apsw
import orjson

from minibroker.core import step
from minibroker.core.sqlfiles import render
from minibroker.core.workers import default_jobs

CHUNK = 1000


@dataclass
class FeatureRun:
    objects: int
    seconds: float
    stale: int = 0


def pending(conn: apsw.Connection, dataset: str | None = None) -> list[int]:
    return [r[0] for r in conn.execute(render("queries/features/todo.sql"), {"dataset": dataset})]


def compute_chunk(conn: apsw.Connection, ids: list[int], period: bool = True) -> tuple[list, list, list]:
    """(bands, period, seen): the three JSON arrays of ``features/compute.sql.j2`` for these objects,
    parsed; without ``period`` the period features are left for a later run (an empty list)."""
    sql = render("features/compute.sql.j2", period=period)
    bands, period, seen = conn.execute(sql, {"objIds": json.dumps(ids)}).fetchone()
    return orjson.loads(bands), orjson.loads(period or "[]"), orjson.loads(seen)


def store_chunk(conn: apsw.Connection, chunk: tuple[list, list, list], ids: list[int] | None = None) -> None:
    """Store a ``compute_chunk`` result (only the objects of ``ids`` when given) with
    ``features/store_period.sql.j2`` (lcPeriodFeats) and ``features/store.sql.j2`` (lcBandStats,
    lcFeats); the caller holds the write transaction."""
    bands, period, seen = chunk
    if ids is not None:
        keep = set(ids)
        bands = [b for b in bands if b[0] in keep]
        period = [p for p in period if p[0] in keep]
        seen = [s for s in seen if s[0] in keep]
    conn.execute(render("features/chunk_tables.sql.j2"))
    conn.executemany(render("features/insert_chunk_bands.sql.j2"), bands)
    conn.executemany(render("features/insert_chunk_period.sql.j2"), period)
    conn.executemany(render("features/insert_chunk_seen.sql"), seen)
    conn.execute(render("features/store_period.sql.j2"))
    conn.execute(render("features/store.sql.j2"))


def _store(conn: apsw.Connection, ids: list[int], chunk) -> None:
    store_chunk(conn, chunk, ids)


def feature_step(dataset: str | None = None, chunk: int = CHUNK) -> step.Step:
    return step.Step("features", partial(pending, dataset=dataset), compute_chunk, _store, chunk)


def compute(conn: apsw.Connection, dataset: str | None = None, *, chunk: int = CHUNK,
            jobs: int | None = None, progress: bool | None = None, ids: list[int] | None = None) -> FeatureRun:
    """Compute lcFeats/lcBandStats for the objects that need them (or ``ids``); returns how many and
    how long. ``jobs``: processes computing, this one included (default: the cores; 1: this process
    only)."""
    from minibroker.database import connect

    jobs = default_jobs() if jobs is None else jobs
    r = step.run(conn, feature_step(dataset, chunk), jobs=jobs, opener=connect, progress=progress, ids=ids)
    return FeatureRun(r.objects, r.seconds, r.stale)
