"""Storing alerts: replays change nothing, visit by visit equals all at once, forced photometry
replaces detections, incremental features equal a full recompute, classes with history."""

import shutil
from contextlib import closing

import fastavro
import pytest

from minibroker.database import connect
from minibroker.features.pipeline import compute
from minibroker.stream import schemas
from minibroker.stream.classify import Classifier
from minibroker.stream.directory import batches
from minibroker.stream.store import Position, store_batch
from stream_helpers import copy_samples, dump_by_name, merge_files, read_alerts, simulated
from reliability_helpers import run_cli


def stream_dir(db_path, directory, dataset="alerts", classifier=None):
    conn = connect(db_path)
    reports = []
    for path, received, received_at, decoded, row in batches(conn, directory, dataset, jobs=1):
        reports.append(store_batch(conn, dataset, decoded, Position(str(directory), file=row), received,
                                   received_at, classifier, name=row["name"]))
    return conn, reports


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    return simulated(tmp_path_factory.mktemp("nights") / "alerts", n=20, nights=150)


def test_package_samples_through_the_command(tmp_path):
    d = copy_samples(tmp_path / "samples")
    (d / "zz_junk.avro").write_bytes(b"not avro at all")
    db = tmp_path / "s.db"
    out = run_cli("stream", "--db", db, d)
    assert out.returncode == 1, out.stderr  # the junk file failed
    assert "zz_junk.avro: not a valid Avro container file" in out.stderr
    assert "Traceback" not in out.stderr
    lines = [l for l in out.stdout.splitlines() if l.startswith("stream samples: v")]
    assert len(lines) == len(schemas.versions())
    with closing(connect(db)) as conn:
        # every sample packet is the same detection (one diaSourceId): stored once, the rest replays
        assert conn.execute("select count(*), min(schemaVersion) from alerts").fetchone() == (1, "3.0")
        assert conn.execute("select o.name, d.ra from objects o join diaObjects d using (objId)").fetchall() == [
            ("281323062375219201", 351.570546978)]
        assert conn.execute("select status, count(*) from streamFiles group by status").fetchall() == [
            ("done", len(schemas.versions())), ("failed", 1)]
        before = dump_by_name(conn)
    again = run_cli("stream", "--db", db, d)
    assert again.returncode == 0 and "0 alerts stored" in again.stdout  # each file once: nothing read
    with closing(connect(db)) as conn:
        assert dump_by_name(conn) == before


def test_replaying_every_file_changes_nothing(tmp_path, nights):
    conn, reports = stream_dir(tmp_path / "a.db", nights)
    assert sum(r.alerts for r in reports) > 50
    before = dump_by_name(conn)
    # the same alerts again under new file names: every alert is a replay
    replay = tmp_path / "replay"
    merge_files(sorted(nights.glob("*.avro")), replay / "again.avro")
    _, again = stream_dir(tmp_path / "a.db", replay)
    assert again[0].alerts == 0 and again[0].replayed == sum(r.alerts for r in reports)
    assert again[0].changed == 0 and again[0].measurements == 0
    assert dump_by_name(conn) == before


def test_visit_by_visit_equals_all_at_once_in_any_order(tmp_path, nights):
    by_visit, reports = stream_dir(tmp_path / "v.db", nights)
    once_dir = tmp_path / "once"
    merge_files(sorted(nights.glob("*.avro")), once_dir / "all.avro", reverse=True)
    at_once, _ = stream_dir(tmp_path / "o.db", once_dir)
    a, b = dump_by_name(by_visit), dump_by_name(at_once)
    for table in a:
        assert a[table] == b[table], table
    assert len(a["rawPhot"]) > 100 and len(a["lcFeats"]) == len(a["objects"])


def test_one_rawphot_row_per_object_and_visit_forced_first(tmp_path, nights):
    conn, _ = stream_dir(tmp_path / "f.db", nights)
    q = conn.execute
    # every (object, visit) with a usable measurement has exactly one rawPhot row
    assert q("select count(*) from rawPhot").fetchone()[0] == q("""
        select count(*) from (select objId, visit from diaSources where psfFlux is not null
                              union select objId, visit from diaForcedSources where psfFlux is not null)""").fetchone()[0]
    # the row is the forced measurement when one arrived, else the detection
    wrong = q("""
        select count(*) from alertPhot a join rawPhot r on r.id = a.rawPhotId
        left join diaForcedSources f on f.objId = a.objId and f.visit = a.visit
        left join diaSources s on s.objId = a.objId and s.visit = a.visit
        where (f.diaForcedSourceId is not null and (a.kind != 0 or r.flux != f.psfFlux or r.t != f.t))
           or (f.diaForcedSourceId is null and (a.kind != 1 or r.flux != s.psfFlux))""").fetchone()[0]
    assert wrong == 0
    assert q("select count(*) from alertPhot where kind = 0").fetchone()[0] > 0
    assert q("select count(*) from alertPhot where kind = 1").fetchone()[0] > 0
    # lcBands holds exactly rawPhot, packed
    assert q("select sum(n) from lcBands").fetchone()[0] == q("select count(*) from rawPhot").fetchone()[0]


def test_a_later_forced_measurement_replaces_the_detection(tmp_path, nights):
    """Night by night, the detection of a visit stands in rawPhot until a later alert brings that
    visit's forced measurement; then the row holds the forced values and features are recomputed."""
    conn, reports = stream_dir(tmp_path / "r.db", nights)
    replaced = conn.execute("""
        select count(*) from alertPhot a join diaSources s on s.objId = a.objId and s.visit = a.visit
        where a.kind = 0""").fetchone()[0]
    assert replaced > 0  # visits first stored as detections, now forced


def test_incremental_features_equal_a_full_recompute(tmp_path, nights):
    conn, _ = stream_dir(tmp_path / "i.db", nights)
    incremental = dump_by_name(conn)
    conn.execute("delete from lcFeats; delete from lcBandStats")
    run = compute(conn, jobs=1)
    assert run.objects == len(incremental["objects"])
    full = dump_by_name(conn)
    assert full["lcFeats"] == incremental["lcFeats"] and full["lcBandStats"] == incremental["lcBandStats"]


def test_alert_without_object_is_kept_and_counted(tmp_path):
    record = read_alerts(next(iter(sorted(copy_samples(tmp_path / "s").glob("v11_1.avro")))))[0]
    record["diaObject"] = None
    record["diaSource"]["diaObjectId"] = None
    record["diaSource"]["ssObjectId"] = 42
    record["prvDiaSources"] = None
    d = tmp_path / "ss"
    d.mkdir()
    with open(d / "ss.avro", "wb") as fh:
        fastavro.writer(fh, schemas.versions()[(11, 1)].parsed, [record])
    conn, (report,) = stream_dir(tmp_path / "ss.db", d)
    assert report.alerts == 1 and report.without_object == 1 and report.new_objects == 0
    assert conn.execute("select objId, ssObjectId from alerts").fetchall() == [(None, 42)]
    assert conn.execute("select count(*) from objects").fetchone()[0] == 0


def test_classified_as_they_arrive_with_history(tmp_path, nights):
    from minibroker.model.predict import predict
    from minibroker.model.train import train
    from minibroker.sim.run import simulate
    from minibroker.loader.load import list_files, load_files

    db = tmp_path / "c.db"
    conn = connect(db)
    simulate(120, tmp_path / "train", seed=5, mix="balanced", jobs=1)
    load_files(conn, list_files(tmp_path / "train"), "train", jobs=0)
    compute(conn, "train", jobs=1)
    train(conn, "train")
    classifier = Classifier()
    conn, reports = stream_dir(db, nights, classifier=classifier)
    assert classifier.note is None
    n_objects = conn.execute("select count(*) from objects where dataset = 'alerts'").fetchone()[0]
    assert sum(r.classified for r in reports) == conn.execute("select count(*) from predictionHistory").fetchone()[0]
    assert conn.execute("select count(*) from predictions").fetchone()[0] == n_objects
    assert conn.execute("select count(*) from predictionHistory").fetchone()[0] > n_objects  # reclassified
    streamed = dict(conn.execute("select objId, label from predictions").fetchall())
    report = predict(conn, "alerts")  # the batch command on the same features gives the same classes
    assert report.n_objects == n_objects
    assert dict(conn.execute("select objId, label from predictions").fetchall()) == streamed


def test_decoding_against_the_database_drops_the_history_it_holds(tmp_path, nights):
    """Memory follows what is new, not the history length: with the database, the decoder returns
    only measurements not stored yet, and storing that gives the same tables."""
    from minibroker.stream.decode import decode_file

    files = sorted(nights.glob("*.avro"))
    conn, _ = stream_dir(tmp_path / "d.db", nights)
    for f in files[-5:]:
        again = decode_file(str(f), db=conn)
        assert again.sources == [] and again.forced == [] and len(again.alerts) == len(decode_file(str(f)).alerts)
    # split: all but the last file stored, then the last decoded against the database
    part = tmp_path / "part"
    part.mkdir()
    for f in files[:-1]:
        shutil.copy(f, part / f.name)
    conn2, _ = stream_dir(tmp_path / "p.db", part)
    full = decode_file(str(files[-1]))
    lean = decode_file(str(files[-1]), db=conn2)
    stored = {r[0] for r in conn2.execute("select diaSourceId from diaSources")}
    assert sorted(lean.sources) == sorted(s for s in full.sources if s[0] not in stored)
    assert len(lean.sources) < len(full.sources)
