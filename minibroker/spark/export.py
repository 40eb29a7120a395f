"""``minibroker export``: the database's tables as Parquet, for Spark (or any Parquet reader).

Layout under OUT: ``TABLE/dataset=NAME/part-00000.parquet`` for tables whose rows belong to a
dataset (objects, sourceFiles, and every table keyed by objId or fileId), ``TABLE/part-00000.parquet``
for the rest, and ``manifest.json``: per table its columns and types, row count, whether it is
partitioned, and the sha256 of each file; the schema version (applied migrations); the source.

lcBands keeps one row per whole object-band, its packed blobs as ``list<float64>`` columns, so a
reader gets each band's arrays in one row and needs no shuffle to reassemble a light curve.
Partition columns are written the Hive way (in the path), and Spark adds them back on reading; the
manifest lists each table's own columns, so a reader can drop ``dataset`` where the table has none.
Rows stream out in batches: memory does not grow with the database.
"""

import hashlib
import itertools
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import apsw
import numpy as np

from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render

FORMAT_VERSION = 1
BATCH_ROWS = 10_000  # rows per Parquet row group: Spark splits a file between tasks at row groups
FLOAT_ARRAYS = {"lcBands": ("t", "flux", "dflux")}  # little-endian float64 blobs -> list<float64>
PARTITIONED_VIA = ("dataset", "objId", "fileId")   # how a row finds its dataset, in order of preference
OWN_DATASET = ("objects", "sourceFiles")            # tables partitioned by their own dataset column


@dataclass
class Export:
    out: Path
    tables: dict = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        rows = sum(t["rows"] for t in self.tables.values())
        return f"{len(self.tables)} tables, {rows:,} rows in {self.seconds:.1f} s"


def arrow_type(table: str, column: str, declared: str):
    import pyarrow as pa

    if column in FLOAT_ARRAYS.get(table, ()):
        return pa.list_(pa.float64())
    d = (declared or "").lower()  # SQLite's affinity rules, in their order
    if "int" in d:
        return pa.int64()
    if any(k in d for k in ("char", "clob", "text")):
        return pa.string()
    if "blob" in d or not d:
        return pa.binary()
    return pa.float64()


# the characters Spark escapes in a Hive partition value (ExternalCatalogUtils.escapePathName); it
# decodes each %XX as one character, so non-ASCII text must stay raw UTF-8, not percent-encoded
_ESCAPED = set(chr(c) for c in range(1, 0x20)) | set('"#%\'*/:=?\\\x7f{[]^')


def partition_value(value: str) -> str:
    return "".join(f"%{ord(ch):02X}" if ch in _ESCAPED else ch for ch in value)


def _via(table: str, columns: list[str]) -> str:
    if table in OWN_DATASET:
        return "dataset"
    for key in PARTITIONED_VIA[1:]:
        if key in columns:
            return key
    return "none"


def _array(values: list, typ):
    import pyarrow as pa

    if pa.types.is_list(typ):  # packed float64 blobs, concatenated once
        lengths = np.fromiter((len(b) // 8 for b in values), dtype=np.int64, count=len(values))
        offsets = np.zeros(len(values) + 1, np.int32)
        np.cumsum(lengths, out=offsets[1:])
        flat = np.frombuffer(b"".join(values), dtype="<f8")
        return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat))
    return pa.array(values, type=typ)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write(cursor, schema, path: Path) -> int:
    """Write the cursor's rows to one Parquet file in batches; returns the row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        while True:
            batch = list(itertools.islice(cursor, BATCH_ROWS))
            if not batch and rows:
                break
            columns = list(zip(*batch)) if batch else [[] for _ in schema]
            arrays = [_array(list(col), f.type) for col, f in zip(columns, schema)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            rows += len(batch)
            if not batch:
                break
    return rows


def export(conn: apsw.Connection, out: Path, *, tables: list[str] | None = None, progress=None) -> Export:
    """Write every table (or ``tables``) of ``conn`` under ``out``; ``out`` must be new or empty."""
    import pyarrow as pa

    start = time.perf_counter()
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out} exists and is not an empty directory: give OUT=a new directory")
    known = [r[0] for r in conn.execute(render("spark/tables.sql"))]
    unknown = sorted(set(tables or ()) - set(known))
    if unknown:
        raise UserError(f"no table {unknown[0]!r} in the database: choose from {', '.join(known)}")
    result = Export(out)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    conn.execute("begin")  # one snapshot for every table
    try:
        datasets = [r[0] for r in conn.execute(render("spark/datasets.sql"))]
        for table in tables or known:
            cols = conn.execute(render("spark/columns.sql"), {"tableName": table}).fetchall()
            names = [c for c, _ in cols]
            via = _via(table, names)
            kept = [c for c in names if not (via == "dataset" and c == "dataset")]
            schema = pa.schema([(c, arrow_type(table, c, t)) for c, t in cols if c in kept])
            sql = render("spark/export_rows.sql.j2", table=table, columns=kept, via=via)
            files, rows = {}, 0
            parts = [(d, tmp / table / ("dataset=" + partition_value(d)) / "part-00000.parquet")
                     for d in datasets] if via != "none" else [(None, tmp / table / "part-00000.parquet")]
            for dataset, path in parts:
                n = _write(conn.execute(sql, {"dataset": dataset}), schema, path)
                if n == 0 and via != "none":
                    path.unlink()
                    path.parent.rmdir()
                    continue
                rows += n
                files[str(path.relative_to(tmp))] = _sha256(path)
            if not files:  # an empty table still gets its schema (unpartitioned, no rows)
                path = tmp / table / "part-00000.parquet"
                _write(iter(()), schema, path)
                files[str(path.relative_to(tmp))] = _sha256(path)
                via = "none"
            result.tables[table] = {
                "columns": [[c, t] for c, t in cols],
                "rows": rows,
                "partitionedBy": "dataset" if via != "none" else None,
                "files": files,
            }
            if progress:
                progress(table, rows)
        manifest = {
            "format": FORMAT_VERSION,
            "schemaVersion": [r[0] for r in conn.execute(render("queries/migrations/applied.sql"))],
            "tables": result.tables,
        }
    finally:
        conn.execute("rollback")
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    if out.exists():
        out.rmdir()
    tmp.rename(out)
    result.seconds = time.perf_counter() - start
    return result


def read_manifest(directory: Path, command: str = "spark") -> dict:
    path = Path(directory) / "manifest.json"
    if not path.is_file():
        raise UserError(f"no export at {directory} (no manifest.json): write one with make export DB=… OUT={directory}")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise UserError(f"{path} is export format {manifest.get('format')}, this code reads {FORMAT_VERSION}: "
                        "export the database again")
    return manifest
