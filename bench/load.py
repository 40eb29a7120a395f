"""The load case: ``minibroker load`` end to end against three baselines, all in this run.

- ``minibroker``: ``minibroker load --db <fresh>.db <dir>`` as a subprocess, timed from spawn
  to exit (interpreter start-up, parse in the worker pool, insert, commit); rows counted in the
  database afterwards; peak memory of the command and of its workers (see ``bench.proc``).
- ``exercise per-row``: the original exercise's way: ``pandas.read_csv`` per file, then one
  ``INSERT`` per row (apsw ``execute``), one transaction committed at the end.
- ``exercise bulk``: ``pandas.read_csv`` per file, one ``executemany`` per file, one
  transaction committed at the end.
- ``ceiling``: every row already parsed into tuples (not timed), then one ``executemany`` into
  the empty rawPhot in one transaction (timed: begin, executemany, commit).

Baselines run in this process on a fresh database made by ``broker.db.connect`` (same schema,
foreign keys on, WAL) with one ``objects`` row per file (inserted in the timed part for the
two exercise ways, beforehand for the ceiling). They may run on the first ``--baseline-files``
(``--ceiling-files``) files only; their rate is rows/s on those rows, which the tables say.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd

from bench import proc
from bench.common import minibroker_exe, remove_db, scalar

INSERT_ROW = "insert into rawPhot (objId, t, pb, flux, dflux) values (?, ?, ?, ?, ?)"
INSERT_OBJ = "insert into objects (dataset, name) values (?, ?) returning objId"
_SELF_RATE = re.compile(r"in ([0-9.]+) s \(([0-9,]+) rows/s\)")


def list_dat(d: Path) -> list[Path]:
    return sorted(p for p in d.glob("*.dat") if not p.name.startswith("."))


def run_minibroker(data_dir: Path, db: Path, jobs: int | None = None) -> dict:
    remove_db(db)
    argv = [minibroker_exe(), "load", "--db", str(db), str(data_dir)]
    if jobs:
        argv += ["--jobs", str(jobs)]
    r = proc.run(argv)
    rows = scalar(db, "select count(*) from rawPhot")
    m = _SELF_RATE.search(r.stdout)
    return {"seconds": r.seconds, "rows": rows, "rate": rows / r.seconds,
            "self_seconds": float(m.group(1)) if m else None,
            "memory": {k: getattr(r, k) for k in ("main_peak_mib", "workers_max_mib", "workers_sum_mib",
                                                    "workers_seen", "tree_peak_mib", "samples")},
            "stdout": r.stdout.strip()[-500:]}


def add_dataset(data_dir: Path, db: Path, jobs: int | None = None) -> None:
    """Load another directory into an existing database (setup, not measured)."""
    argv = [minibroker_exe(), "load", "--db", str(db), str(data_dir)]
    if jobs:
        argv += ["--jobs", str(jobs)]
    proc.run(argv)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", sep=r"\s+")


def _fresh(db: Path):
    from minibroker.database import connect

    remove_db(db)
    return connect(db)


def _exercise_way(files: list[Path], db: Path, dataset: str, insert_file) -> dict:
    """The exercise's load: per file, pandas reads it, one ``objects`` row, then ``insert_file(conn,
    objId, df)`` inserts its rows; one transaction committed at the end."""
    conn = _fresh(db)
    rows = 0
    start = time.perf_counter()
    conn.execute("begin")
    for path in files:
        df = _read(path)
        obj = conn.execute(INSERT_OBJ, (dataset, path.stem)).fetchone()[0]
        insert_file(conn, obj, df)
        rows += len(df)
    conn.execute("commit")
    seconds = time.perf_counter() - start
    conn.close()
    remove_db(db)
    return {"seconds": seconds, "rows": rows, "rate": rows / seconds, "files": len(files)}


def _columns(df):
    return df["t"].tolist(), df["pb"].tolist(), df["flux"].tolist(), df["dflux"].tolist()


def _insert_per_row(conn, obj, df) -> None:
    for t, pb, flux, dflux in zip(*_columns(df)):
        conn.execute(INSERT_ROW, (obj, t, pb, flux, dflux))


def _insert_bulk(conn, obj, df) -> None:
    conn.executemany(INSERT_ROW, zip([obj] * len(df), *_columns(df)))


def run_per_row(files: list[Path], db: Path, dataset: str = "bench") -> dict:
    """The exercise's way: one ``INSERT`` per row."""
    return _exercise_way(files, db, dataset, _insert_per_row)


def run_bulk(files: list[Path], db: Path, dataset: str = "bench") -> dict:
    """The exercise's "bulk" way: one ``executemany`` per file."""
    return _exercise_way(files, db, dataset, _insert_bulk)


def parse_tuples(files: list[Path]) -> list[tuple]:
    """Every row of ``files`` as (file index, t, pb, flux, dflux) with plain Python values."""
    out = []
    for i, path in enumerate(files):
        df = _read(path)
        out.extend(zip([i] * len(df), *_columns(df)))
    return out


def run_ceiling(files: list[Path], tuples: list[tuple], db: Path, dataset: str = "bench") -> dict:
    conn = _fresh(db)
    with conn:
        ids = [conn.execute(INSERT_OBJ, (dataset, p.stem)).fetchone()[0] for p in files]
    rows = [(ids[i], t, pb, f, e) for i, t, pb, f, e in tuples]  # not timed
    conn.execute("pragma wal_checkpoint(TRUNCATE)")
    start = time.perf_counter()
    conn.execute("begin")
    conn.executemany(INSERT_ROW, rows)
    conn.execute("commit")
    seconds = time.perf_counter() - start
    conn.close()
    remove_db(db)
    return {"seconds": seconds, "rows": len(rows), "rate": len(rows) / seconds, "files": len(files)}
