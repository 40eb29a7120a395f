"""``make features``: run ``sql/features/lcfeats.sql.j2`` over every object that needs it.

Incremental: an object needs features when it has no lcFeats row. The loader deletes that
row whenever it adds or replaces the object's photometry, in the same transaction, so a
re-run on an unchanged database selects nothing. Objects are done in chunks, one
transaction each, so an interrupted run keeps what it finished.
"""

import json
import sys
import time
from dataclasses import dataclass

import apsw
from tqdm import tqdm

from broker.db import immediate
from broker.sqlfiles import render

CHUNK = 1000


@dataclass
class FeatureRun:
    objects: int
    seconds: float


def pending(conn: apsw.Connection, dataset: str | None = None) -> list[int]:
    return [r[0] for r in conn.execute(render("queries/features/todo.sql"), {"dataset": dataset})]


def compute(conn: apsw.Connection, dataset: str | None = None, *, chunk: int = CHUNK,
            progress: bool | None = None) -> FeatureRun:
    """Compute lcFeats/lcBandStats for the objects that need them; returns how many and how long."""
    start = time.perf_counter()
    todo = pending(conn, dataset)
    sql = render("features/lcfeats.sql.j2")
    disable = (not sys.stderr.isatty()) if progress is None else not progress
    with tqdm(total=len(todo), unit="obj", desc="features", disable=disable) as bar:
        for i in range(0, len(todo), chunk):
            ids = todo[i:i + chunk]
            with immediate(conn):
                conn.execute(sql, {"objIds": json.dumps(ids)})
            bar.update(len(ids))
    return FeatureRun(len(todo), time.perf_counter() - start)
