"""Export to Parquet and import of features computed elsewhere (pyarrow; no Spark session needed)."""

import hashlib
import json
import shutil

import numpy as np
import pytest

from minibroker.app.cli import main
from minibroker.database import connect
from conftest import write_lc

pytestmark = pytest.mark.spark


def test_manifest_counts_and_hashes_match_the_database(spark_world):
    import pyarrow.parquet as pq

    manifest = json.loads((spark_world.export / "manifest.json").read_text())
    conn = connect(spark_world.db, readonly=True)
    tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' "
                                         "and name not like 'sqlite%' and name not like '\\_%' escape '\\'")]
    assert sorted(manifest["tables"]) == sorted(tables)
    assert manifest["schemaVersion"] == [r[0] for r in conn.execute("select name from _migrations order by name")]
    for name, info in manifest["tables"].items():
        count = conn.execute(f'select count(*) from "{name}"').fetchone()[0]
        assert info["rows"] == count, name
        on_disk = sum(pq.read_metadata(spark_world.export / f).num_rows for f in info["files"])
        assert on_disk == count, name
        for rel, digest in info["files"].items():
            assert hashlib.sha256((spark_world.export / rel).read_bytes()).hexdigest() == digest
    parts = sorted(p.name for p in (spark_world.export / "lcBands").iterdir())
    assert parts == ["dataset=Corpus", "dataset=sim", "dataset=train"]


def test_lcbands_rows_are_whole_object_bands_as_float64_lists(spark_world):
    import pyarrow.parquet as pq

    table = pq.read_table(spark_world.export / "lcBands" / "dataset=train")
    conn = connect(spark_world.db, readonly=True)
    want = {(o, pb): (n, t, f, e) for o, pb, n, t, f, e in conn.execute(
        "select b.objId, b.pb, b.n, b.t, b.flux, b.dflux from lcBands as b "
        "join objects as o using (objId) where o.dataset = 'train'")}
    assert table.num_rows == len(want) > 400
    for row in table.to_pylist():
        n, t, f, e = want[(row["objId"], row["pb"])]
        assert row["n"] == n == len(row["flux"])
        assert np.array_equal(np.array(row["t"]), np.frombuffer(t, "<f8"))
        assert np.array_equal(np.array(row["flux"]), np.frombuffer(f, "<f8"))
        assert np.array_equal(np.array(row["dflux"]), np.frombuffer(e, "<f8"))


def test_export_refuses_a_non_empty_directory(spark_world, tmp_path, capsys):
    (tmp_path / "x").write_text("keep me")
    assert main(["export", "--db", str(spark_world.db), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("minibroker export: ") and "not an empty directory" in err and err.count("\n") == 1
    assert (tmp_path / "x").read_text() == "keep me"


def _features(db):
    conn = connect(db, readonly=True)
    try:
        return (conn.execute("select * from lcFeats order by objId").fetchall(),
                conn.execute("select * from lcBandStats order by objId, pb").fetchall())
    finally:
        conn.close()


def test_import_stores_unchanged_objects_and_skips_changed_ones(spark_world, spark, tmp_path, capsys):
    """Features computed on Spark come back equal to SQLite's; an object whose file was reloaded
    with other content after the export is skipped, named, and left for make features."""
    from minibroker.spark.features import compute

    export = tmp_path / "export"
    shutil.copytree(spark_world.export, export)
    compute(spark, export)
    db = tmp_path / "copy.db"
    shutil.copy(spark_world.db, db)
    want_feats, want_stats = _features(spark_world.db)
    conn = connect(db)
    conn.execute("delete from lcFeats; delete from lcBandStats")
    changed = tmp_path / "train"
    changed.mkdir()
    write_lc(changed / "FAKE001.dat", [(59000.0 + i, "g", 10.0 + i, 1.0) for i in range(5)])
    conn.close()
    assert main(["load", "--db", str(db), "--dataset", "train", "--jobs", "1", str(changed)]) == 0
    conn = connect(db, readonly=True)
    changed_id = conn.execute("select objId from objects where dataset = 'train' and name = 'FAKE001'").fetchone()[0]
    conn.close()
    capsys.readouterr()
    assert main(["import-features", "--db", str(db), str(export)]) == 0
    out = capsys.readouterr().out
    assert f"{len(want_feats) - 1} objects stored, 1 skipped" in out and str(changed_id) in out
    got_feats, got_stats = _features(db)
    assert [r for r in want_feats if r[0] != changed_id] == got_feats  # bit-identical: the same kernel
    assert [r for r in want_stats if r[0] != changed_id] == got_stats
    assert main(["features", "--db", str(db), "--jobs", "1"]) == 0  # the skipped object is still pending
    conn = connect(db, readonly=True)
    assert conn.execute("select count(*) from lcFeats where objId = ?", (changed_id,)).fetchone()[0] == 1


def test_odd_dataset_names_survive_the_partition_path(spark, tmp_path):
    """Dataset names become Hive partition directories: '/', '=', '%', spaces and non-ASCII must come
    back unchanged through Spark's partition discovery."""
    from minibroker.spark.tables import register_export

    name = "odd/näme=1 %2F x"
    data = tmp_path / "lc"
    data.mkdir()
    write_lc(data / "A.dat", [(59000.0 + i, "g", 5.0 + i, 1.0) for i in range(4)])
    db = tmp_path / "odd.db"
    assert main(["load", "--db", str(db), "--dataset", name, "--jobs", "1", str(data)]) == 0
    out = tmp_path / "export"
    assert main(["export", "--db", str(db), "--out", str(out)]) == 0
    register_export(spark, out)
    assert [tuple(r) for r in spark.sql("select dataset, name from objects").collect()] == [(name, "A")]
    assert spark.sql("select count(*) from lcBands").collect()[0][0] == 1
