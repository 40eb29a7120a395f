"""The Kafka source against a real Apache Kafka broker (tests/kafka_fixture.py): SASL/SCRAM
credentials from the environment, the Confluent wire format, exactly the tables of the directory
source, positions resumed from the database, and SIGKILL at many moments == an uninterrupted run."""

import os
import random
import signal
import subprocess
import sys
import time
from contextlib import closing

import pytest

from minibroker.database import connect
from reliability_helpers import ROOT, connect_plain, run_cli
from stream_helpers import POSITION_TABLES, dump_by_name, produce, simulated

BAD = b"\x00\x00\x00\x03\xe7 not an alert"   # schema id 999: no such version


@pytest.fixture(scope="module")
def alert_files(tmp_path_factory):
    d = simulated(tmp_path_factory.mktemp("kafka") / "alerts", n=20, nights=150)
    return sorted(d.glob("*.avro"))


@pytest.fixture(scope="module")
def directory_db(tmp_path_factory, alert_files):
    db = tmp_path_factory.mktemp("kdir") / "dir.db"
    out = run_cli("stream", "--db", db, "--dataset", "alerts", alert_files[0].parent)
    assert out.returncode == 0, out.stderr
    return db


def sasl_env(kafka):
    return {"MINIBROKER_KAFKA_USERNAME": kafka.username, "MINIBROKER_KAFKA_PASSWORD": kafka.password,
            "MINIBROKER_KAFKA_MECHANISM": "SCRAM-SHA-512"}


def url(kafka, topic, sasl=True):
    return f"kafka://{kafka.sasl_bootstrap if sasl else kafka.bootstrap}/{topic}"


def test_kafka_with_sasl_gives_the_tables_of_the_directory_source(tmp_path, kafka, alert_files, directory_db):
    topic = kafka.create_topic("alerts-sasl", partitions=2)
    n = produce(kafka.client_config(), topic, alert_files, bad=BAD)
    db = tmp_path / "k.db"
    out = run_cli("stream", "--db", db, "--dataset", "alerts", "--batch", "100", url(kafka, topic),
                  env=sasl_env(kafka), timeout=300)
    assert out.returncode == 1, out.stderr  # the bad message failed
    assert "Traceback" not in out.stderr
    assert f"{n} alerts stored, 1 failed alerts" in out.stdout
    with closing(connect(db)) as k, closing(connect(directory_db)) as d:
        assert dump_by_name(k) == dump_by_name(d)
        offsets = dict(k.execute("select partition, nextOffset from streamOffsets").fetchall())
        assert sum(offsets.values()) == n + 1 and set(offsets) == {0, 1}
        (reason,) = k.execute("select reason from streamFailures").fetchone()
        assert "schema id 999" in reason
    # again, even under another consumer group: the database's positions say everything is done
    again = run_cli("stream", "--db", db, "--dataset", "alerts", "--group", "other", url(kafka, topic),
                    env=sasl_env(kafka), timeout=300)
    assert again.returncode == 0 and "0 alerts stored" in again.stdout, again.stdout + again.stderr


def test_wrong_password_is_one_line(tmp_path, kafka):
    topic = kafka.create_topic("alerts-auth", partitions=1)
    out = run_cli("stream", "--db", tmp_path / "x.db", url(kafka, topic),
                  env={**sasl_env(kafka), "MINIBROKER_KAFKA_PASSWORD": "wrong"}, timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("minibroker stream: ") and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.db").exists()  # a command that could not read its source leaves no new database


def test_unreachable_broker_is_one_line_and_leaves_no_database(tmp_path):
    import socket

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = run_cli("stream", "--db", tmp_path / "x.db", f"kafka://127.0.0.1:{port}/alerts", timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert "cannot read from Kafka at 127.0.0.1" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.db").exists()


def stream_cmd(db, source):
    return [sys.executable, "-m", "minibroker.app.cli", "stream", "--db", str(db), "--dataset", "alerts", "--jobs", "1",
            "--batch", "40", "--idle-seconds", "5", source]


def test_sigkill_at_many_points_then_rerun_equals_uninterrupted(tmp_path, kafka, alert_files):
    topic = kafka.create_topic("alerts-crash", partitions=2)
    produce(kafka.client_config(), topic, alert_files, bad=BAD)
    source = url(kafka, topic, sasl=False)
    ref_db = tmp_path / "ref.db"
    t0 = time.monotonic()
    out = subprocess.run(stream_cmd(ref_db, source), cwd=ROOT, capture_output=True, text=True, timeout=300)
    full = time.monotonic() - t0
    assert out.returncode == 1, out.stderr
    with closing(connect_plain(ref_db)) as conn:
        ref = {**dump_by_name(conn), **dump_by_name(conn, POSITION_TABLES)}
    rng = random.Random(5)
    db = tmp_path / "killed.db"
    held = []
    for i in range(8):
        proc = subprocess.Popen(stream_cmd(db, source), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=full * (0.1 + 0.8 * (i + rng.random()) / 8))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if os.path.exists(db):
            with closing(connect_plain(db)) as conn:
                assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
                if conn.execute("select count(*) from sqlite_schema where name = 'alerts'").fetchone()[0]:
                    held.append(conn.execute("select count(*) from alerts").fetchone()[0])
    assert any(0 < h < len(ref["alerts"]) for h in held), held
    out = subprocess.run(stream_cmd(db, source), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in out.stderr
    with closing(connect_plain(db)) as conn:
        got = {**dump_by_name(conn), **dump_by_name(conn, POSITION_TABLES)}
    for table in ref:
        assert got[table] == ref[table], table


def test_follow_reads_partitions_added_to_the_topic_while_it_runs(tmp_path, kafka, alert_files):
    """Operators add partitions to a busy topic: a following stream must read them too."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewPartitions

    from minibroker.stream.decode import encode_message
    from stream_helpers import read_alerts

    topic = kafka.create_topic("alerts-grow", partitions=1)
    half = len(alert_files) // 2
    n0 = produce(kafka.client_config(), topic, alert_files[:half])
    db = tmp_path / "grow.db"
    proc = subprocess.Popen(stream_cmd(db, url(kafka, topic)) + ["--follow"], env={**os.environ, **sasl_env(kafka)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def stored() -> int:
        if not db.exists():
            return 0
        with closing(connect_plain(db)) as c:
            try:
                return c.execute("select count(*) from alerts").fetchone()[0]
            except Exception:  # tables not made yet
                return 0

    try:
        deadline = time.monotonic() + 120
        while stored() < n0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert stored() == n0
        admin = AdminClient(kafka.client_config())
        for f in admin.create_partitions([NewPartitions(topic, 2)]).values():
            f.result(timeout=30)
        producer = Producer(kafka.client_config())
        n1 = 0
        for f in alert_files[half:]:
            for r in read_alerts(f):
                producer.produce(topic, partition=1, value=encode_message(r))
                n1 += 1
        assert producer.flush(60) == 0 and n1 > 0
        deadline = time.monotonic() + 120
        while stored() < n0 + n1 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert stored() == n0 + n1, proc.stderr.read() if proc.poll() is not None else "still running"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    with closing(connect_plain(db)) as c:
        rows = c.execute("select count(distinct diaSourceId), count(*) from alerts").fetchone()
    assert rows == (n0 + n1, n0 + n1)
