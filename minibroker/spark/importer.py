"""``minibroker import-features``: features computed elsewhere (``minibroker spark features``) back
into SQLite, with the guard of the in-database path.

The results directory holds ``bands`` (objId, pb and the per-band values of
``lc_packed_band_features``: n, wmean, std, amp, mad, beyond, skew) and ``seen`` (objId and the
contentHash of the file the features were computed from). Chunks of objects go through the same
``features/store.sql.j2`` as ``make features``, so an object's results are stored only if its file
is still the one they came from; the others are counted and named as skipped (the next
``make features`` computes them afresh). One transaction per chunk.
"""

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import apsw

from minibroker.core.db import immediate
from minibroker.core.errors import UserError
from minibroker.features.pipeline import CHUNK, store_chunk
from minibroker.core.sqlfiles import render
from minibroker.udf.batch import KEYS

RESULTS = "features"  # the results directory inside an export


@dataclass
class Import:
    stored: int = 0
    skipped: list[int] = field(default_factory=list)
    seconds: float = 0.0


def results_dir(export_dir: Path) -> Path:
    return Path(export_dir) / RESULTS


def _read(directory: Path, name: str, columns: list[str]):
    import pyarrow.parquet as pq

    path = directory / name
    if not path.is_dir():
        raise UserError(f"no {name} results in {directory}: compute them with make spark-features PARQUET={directory.parent}")
    return pq.read_table(path, columns=columns)


def _clean(v):
    return None if isinstance(v, float) and not math.isfinite(v) else v


def import_features(conn: apsw.Connection, export_dir: Path, *, chunk: int = CHUNK) -> Import:
    start = time.perf_counter()
    directory = results_dir(export_dir)
    seen = _read(directory, "seen", ["objId", "contentHash"]).sort_by("objId").to_pylist()
    bands = _read(directory, "bands", ["objId", "pb", *KEYS]).sort_by([("objId", "ascending"), ("pb", "ascending")])
    band_rows = [tuple(_clean(v) for v in row) for row in zip(*(bands.column(c).to_pylist() for c in bands.column_names))]
    result = Import()
    b = 0
    for i in range(0, len(seen), chunk):
        part = [[r["objId"], r["contentHash"]] for r in seen[i:i + chunk]]
        last = part[-1][0]
        lo = b
        while b < len(band_rows) and band_rows[b][0] <= last:
            b += 1
        with immediate(conn):
            stale = [r[0] for r in conn.execute(render("spark/stale_chunk.sql"), {"seen": json.dumps(part)})]
            # lcFeats and lcBandStats; the period features (lcPeriodFeats) are not computed on Spark:
            # make features computes them for these objects
            store_chunk(conn, (band_rows[lo:b], [], part))
        result.skipped += stale
        result.stored += len(part) - len(stale)
    result.seconds = time.perf_counter() - start
    return result
