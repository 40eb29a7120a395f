"""Crash safety of the stream, directory source: `minibroker stream` killed with SIGKILL at many
moments, then run again, ends with exactly the tables of an uninterrupted run (time columns aside):
no alert lost, none stored twice. Each file is a batch: its alerts, measurements, features, classes,
failures and its streamFiles row commit in one transaction."""

import os
import random
import signal
import subprocess
import sys
import time
from contextlib import closing

import pytest

from reliability_helpers import ROOT, connect_plain
from stream_helpers import dump_by_name, simulated

KILLS = 10

POSITION_TABLES = {
    "streamFiles": "select dataset, name, contentHash, status, alerts, failed, error from streamFiles",
    "streamFailures": "select dataset, file, item, diaSourceId, reason from streamFailures",
}


def full_dump(db):
    with closing(connect_plain(db)) as conn:
        out = dump_by_name(conn)
        out.update(dump_by_name(conn, POSITION_TABLES))
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        return out


def stream_cmd(db, data):
    return [sys.executable, "-m", "broker.cli", "stream", "--db", str(db), "--jobs", "1", "--dataset", "crash",
            str(data)]


def start(db, data):
    return subprocess.Popen(stream_cmd(db, data), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def kill_after(proc, delay) -> bool:
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def files_done(db) -> int:
    if not os.path.exists(db):
        return 0
    with closing(connect_plain(db)) as conn:
        if not conn.execute("select count(*) from sqlite_schema where name = 'streamFiles'").fetchone()[0]:
            return 0
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        # a file is done exactly when its alerts are there: nothing half-stored
        bad = conn.execute("""select count(*) from streamFiles f
                              where f.alerts != (select count(*) from alerts a where a.file = f.name)""").fetchone()[0]
        assert bad == 0
        stray = conn.execute("""select count(*) from alerts a
                                where not exists (select 1 from streamFiles f where f.name = a.file)""").fetchone()[0]
        assert stray == 0
        return conn.execute("select count(*) from streamFiles").fetchone()[0]


@pytest.fixture(scope="module")
def crash_alerts(tmp_path_factory):
    d = simulated(tmp_path_factory.mktemp("crash") / "crash", n=20, nights=150)
    (d / "alerts_99999_bad.avro").write_bytes(b"Obj\x01 truncated")  # a failed file, recorded once
    return d


def test_sigkill_at_many_points_then_rerun_equals_uninterrupted_stream(tmp_path, crash_alerts):
    ref_db = tmp_path / "ref.db"
    t0 = time.monotonic()
    out = subprocess.run(stream_cmd(ref_db, crash_alerts), cwd=ROOT, capture_output=True, text=True, timeout=300)
    full = time.monotonic() - t0
    assert out.returncode == 1 and "alerts_99999_bad.avro" in out.stderr, out.stderr
    ref = full_dump(ref_db)
    n_files = len(list(crash_alerts.glob("*.avro")))
    assert len(ref["streamFiles"]) == n_files and len(ref["alerts"]) > 50

    rng = random.Random(12)
    db = tmp_path / "killed.db"
    held = []
    for i in range(KILLS):
        killed = kill_after(start(db, crash_alerts), full * (0.1 + 0.9 * (i + rng.random()) / KILLS))
        held.append(files_done(db))
        if not killed:
            break
    assert any(0 < h < n_files for h in held), held  # some kills landed mid-stream
    out = subprocess.run(stream_cmd(db, crash_alerts), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in out.stderr
    got = full_dump(db)
    for table in ref:
        assert got[table] == ref[table], table
