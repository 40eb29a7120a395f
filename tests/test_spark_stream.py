"""``minibroker spark stream`` (Spark Structured Streaming) against the real Kafka broker
(tests/kafka_fixture.py): the same alerts, detections, forced measurements, features and classes as
``minibroker stream`` on the same topic; SIGKILL mid-run then a restart gives exactly the
uninterrupted output; a bad message is recorded, not fatal. Each job is a subprocess (a JVM of its own)."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from contextlib import closing

import pytest

from minibroker.database import connect
from reliability_helpers import ROOT, run_cli
from spark_helpers import assert_same_rows
from stream_helpers import produce, simulated

pytestmark = pytest.mark.spark

BAD = b"\x00\x00\x00\x03\xe7 not an alert"   # schema id 999: no such version
RTOL = 1e-9


@pytest.fixture(scope="module")
def alert_files(tmp_path_factory):
    d = simulated(tmp_path_factory.mktemp("sparkstream") / "alerts", n=12, nights=120)
    return sorted(d.glob("*.avro"))


@pytest.fixture(scope="module")
def model_db(tmp_path_factory):
    """A database with a moments model trained on the real training set (the stream classifies with it)."""
    from conftest import REAL_DIR, REAL_LABELS

    db = tmp_path_factory.mktemp("sparkmodel") / "model.db"
    for argv in (["load", "--db", db, "--dataset", "train", "--jobs", "1", REAL_DIR],
                 ["labels", "--db", db, "--dataset", "train", REAL_LABELS],
                 ["features", "--db", db, "--jobs", "1"],
                 ["train", "--db", db, "--dataset", "train", "--models", "rf", "--repeats", "0",
                  "--feature-set", "moments", "--jobs", "1"]):
        out = run_cli(*argv, timeout=600)
        assert out.returncode == 0, out.stderr
    return db


def sasl_env(kafka):
    return {"MINIBROKER_KAFKA_USERNAME": kafka.username, "MINIBROKER_KAFKA_PASSWORD": kafka.password,
            "MINIBROKER_KAFKA_MECHANISM": "SCRAM-SHA-512"}


def spark_cmd(source, checkpoint, out, *extra):
    return [sys.executable, "-m", "minibroker.app.cli", "spark", "stream", source, "--checkpoint", str(checkpoint),
            "--out", str(out), *map(str, extra)]


def spark_env(extra=None):
    return {**os.environ, "SPARK_MASTER": "local[2]", "SPARK_SHUFFLE_PARTITIONS": "2", **(extra or {})}


def read(out):
    from minibroker.spark.stream import read_output

    return read_output(out)


def frame_rows(frame, columns):
    return [tuple(None if v != v else v for v in r) for r in frame[columns].itertuples(index=False, name=None)]


def sqlite(db, sql):
    with closing(connect(db, readonly=True)) as conn:
        cur = conn.execute(sql)
        names = [d[0] for d in cur.getdescription()]   # apsw knows them while a row is pending
        return names, cur.fetchall()


ALERT_COLUMNS = ["diaSourceId", "diaObjectId", "ssObjectId", "visit", "t", "band", "schemaVersion", "nPrvSources",
                 "nPrvForced", "partition", "offset"]
SOURCE_COLUMNS = ["diaSourceId", "diaObjectId", "visit", "t", "band", "psfFlux", "psfFluxErr", "snr", "ra", "dec"]
FORCED_COLUMNS = ["diaForcedSourceId", "diaObjectId", "visit", "t", "band", "psfFlux", "psfFluxErr"]


def test_spark_stream_equals_the_sqlite_stream(tmp_path, kafka, alert_files, model_db):
    topic = kafka.create_topic("spark-equal", partitions=2)
    n = produce(kafka.client_config(), topic, alert_files, bad=BAD)
    source = f"kafka://{kafka.sasl_bootstrap}/{topic}"
    db = tmp_path / "sqlite.db"
    shutil.copy(model_db, db)   # the SQLite stream classifies with the model of its own database
    ref = run_cli("stream", "--db", db, "--dataset", "alerts", "--batch", "50", "--jobs", "1", "--no-filters",
                  source, env=sasl_env(kafka), timeout=300)
    assert ref.returncode == 1 and f"{n} alerts stored, 1 failed alerts" in ref.stdout, ref.stdout + ref.stderr

    out = tmp_path / "out"
    job = subprocess.run(spark_cmd(source, tmp_path / "ck", out, "--max-offsets", "20", "--model-db", model_db),
                         cwd=ROOT, capture_output=True, text=True, timeout=900, env=spark_env(sasl_env(kafka)))
    assert job.returncode == 1, job.stdout + job.stderr   # the bad message failed, the job went on
    assert "Traceback" not in job.stderr, job.stderr[-4000:]
    assert f"{n} alerts stored, 1 failed messages" in job.stdout, job.stdout
    assert job.stdout.count("spark stream " + topic + ": batch ") >= 3, job.stdout   # several micro-batches
    got = read(out)

    for table, columns, sql in (
            ("alerts", ALERT_COLUMNS, "select " + ", ".join(f'"{c}"' for c in ALERT_COLUMNS) + " from alerts"),
            ("diaSources", SOURCE_COLUMNS, "select " + ", ".join(SOURCE_COLUMNS) + " from diaSources"),
            ("diaForcedSources", FORCED_COLUMNS, "select " + ", ".join(FORCED_COLUMNS) + " from diaForcedSources")):
        _, want = sqlite(db, sql)
        assert len(want) > 0, table
        assert_same_rows(frame_rows(got[table], columns), want, ordered=False, rtol=RTOL, what=table)

    names, want = sqlite(db, "select o.name, f.* from lcFeats f join objects o using (objId) where o.dataset = 'alerts'")
    feats = [c for c in names[1:] if c != "objId"]
    assert len(want) == got["lcFeats"]["objId"].nunique() > 0
    assert sorted(got["lcFeats"].columns) == sorted(["objId", *feats])
    spark_feats = got["lcFeats"].assign(name=got["lcFeats"]["objId"].astype(str))
    assert_same_rows(frame_rows(spark_feats, ["name", *feats]),
                     [r[:1] + tuple(v for c, v in zip(names[1:], r[1:]) if c != "objId") for r in want],
                     ordered=False, rtol=RTOL, what="lcFeats")

    _, want = sqlite(db, "select o.name, s.pb, s.n, s.wMean from lcBandStats s join objects o using (objId) "
                         "where o.dataset = 'alerts'")
    stats = got["lcBandStats"].assign(name=got["lcBandStats"]["objId"].astype(str))
    assert_same_rows(frame_rows(stats, ["name", "pb", "n", "wMean"]), want, ordered=False, rtol=RTOL,
                     what="lcBandStats")

    _, want = sqlite(db, "select o.name, p.runId, p.label, p.score, p.scoreKind from predictions p "
                         "join objects o using (objId) where o.dataset = 'alerts'")
    assert len(want) > 0
    preds = got["predictions"].assign(name=got["predictions"]["objId"].astype(str))
    assert_same_rows(frame_rows(preds, ["name", "runId", "label", "score", "scoreKind"]), want, ordered=False,
                     rtol=RTOL, what="predictions")

    _, want = sqlite(db, 'select partition, "offset", diaSourceId, reason from streamFailures')
    assert frame_rows(got["failures"], ["partition", "offset", "diaSourceId", "reason"]) == want
    assert "schema id 999" in want[0][3]

    # again on the same checkpoint: nothing new, nothing twice
    again = subprocess.run(spark_cmd(source, tmp_path / "ck", out, "--model-db", model_db), cwd=ROOT,
                           capture_output=True, text=True, timeout=600, env=spark_env(sasl_env(kafka)))
    assert again.returncode == 0 and "0 micro-batches, 0 alerts stored" in again.stdout, again.stdout + again.stderr
    assert len(read(out)["alerts"]) == n


def test_sigkill_mid_run_then_restart_resumes_exactly(tmp_path, kafka, alert_files):
    topic = kafka.create_topic("spark-crash", partitions=2)
    n = produce(kafka.client_config(), topic, alert_files, bad=BAD)
    source = f"kafka://{kafka.bootstrap}/{topic}"
    t0 = time.monotonic()
    ref = subprocess.run(spark_cmd(source, tmp_path / "ref-ck", tmp_path / "ref", "--max-offsets", "8"), cwd=ROOT,
                         capture_output=True, text=True, timeout=900, env=spark_env())
    full = time.monotonic() - t0
    assert ref.returncode == 1 and f"{n} alerts stored" in ref.stdout, ref.stdout + ref.stderr
    want = read(tmp_path / "ref")

    from minibroker.spark.stream import Output

    out, ck = tmp_path / "out", tmp_path / "ck"
    rng = random.Random(3)
    held = []
    for i in range(3):
        proc = subprocess.Popen(spark_cmd(source, ck, out, "--max-offsets", "8"), cwd=ROOT, env=spark_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=full * (0.45 + 0.3 * rng.random()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        held.append(len(Output(out).done()))
    assert any(0 < h < len(Output(tmp_path / "ref").done()) for h in held), held   # killed mid-run
    rest = subprocess.run(spark_cmd(source, ck, out, "--max-offsets", "8"), cwd=ROOT, capture_output=True, text=True,
                          timeout=900, env=spark_env())
    assert "Traceback" not in rest.stderr, rest.stderr
    got = read(out)
    for table, frame in want.items():
        columns = sorted(frame.columns)
        assert sorted(got[table].columns) == columns, table
        assert_same_rows(frame_rows(got[table], columns), frame_rows(frame, columns), ordered=False, rtol=0.0,
                         what=table)
    assert got["alerts"]["diaSourceId"].is_unique and len(got["alerts"]) == n


def test_bad_source_and_checkpoint_misuse_are_one_line(tmp_path):
    out = run_cli("spark", "stream", "alerts/", "--checkpoint", tmp_path / "ck")
    assert out.returncode == 1 and out.stderr.strip() == (
        "minibroker spark: alerts/ is not a Kafka source: write kafka://host:port/topic")
    connect(tmp_path / "empty.db").close()
    out = run_cli("spark", "stream", "kafka://127.0.0.1:9/t", "--checkpoint", tmp_path / "ck2", "--model-db",
                  tmp_path / "empty.db")
    assert out.returncode == 1 and out.stderr.startswith("minibroker spark: no model trained yet")
    assert len(out.stderr.strip().splitlines()) == 1
    from minibroker.spark.stream import Output, _bind
    from minibroker.core.errors import UserError

    _bind(tmp_path / "ck", tmp_path / "a", "kafka://h:1/t")
    with pytest.raises(UserError, match="belongs to kafka://h:1/t"):
        _bind(tmp_path / "ck", tmp_path / "b", "kafka://h:1/t")
    Output(tmp_path / "a").mark(0, {"batch": 0})
    with pytest.raises(UserError, match="holds the batches of another checkpoint"):
        _bind(tmp_path / "new-ck", tmp_path / "a", "kafka://h:1/t")   # its batch 0 would be skipped
