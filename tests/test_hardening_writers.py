"""Issue 14, writers together: a load that finds the database being created or upgraded by another
writer waits for it and then succeeds, instead of repeating the other's migration; a concurrent
start of two loads on a database that does not exist yet both succeed."""

import subprocess
import sys
import threading
import time

import apsw

from minibroker.core import migrations
from minibroker.core.db import WRITE_POLICIES
from conftest import REAL_DIR
from reliability_helpers import ROOT, check_consistent, connect_plain

SHIPPED = migrations.available()


def load_cmd(db, data=REAL_DIR):
    return [sys.executable, "-m", "minibroker.app.cli", "load", "--db", str(db), "--jobs", "1", str(data)]


def test_a_load_waits_for_another_writer_that_is_upgrading(tmp_path):
    """The other writer holds the write lock while it migrates; the load started meanwhile read the
    schema version before that writer committed. It must wait, see the new version, and load."""
    db = tmp_path / "up.db"
    conn = apsw.Connection(str(db))
    for policy in WRITE_POLICIES:
        policy(conn)
    migrations.migrate(conn, str(db), SHIPPED[:1])  # an old database: the rest is pending
    conn.execute("begin immediate")                # the other writer starts its upgrade ...
    proc = subprocess.Popen(load_cmd(db), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)                                  # ... the load starts and reads the version meanwhile
    for m in SHIPPED[1:]:                          # ... the other writer applies the migrations
        conn.execute(m.sql)
        conn.execute("insert into _migrations values (?, ?, 'now')", (m.name, m.checksum))
    conn.execute("commit")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "100 loaded" in out
    reader = connect_plain(db)
    check_consistent(reader)
    assert reader.execute("select count(*) from _migrations").fetchone()[0] == len(SHIPPED)


def test_two_loads_started_together_on_a_new_database_both_succeed(tmp_path):
    results = []
    for round_ in range(4):
        db = tmp_path / f"new{round_}.db"
        go = time.time() + 2.0
        starter = (f"import time, sys; t = {go}\nwhile time.time() < t: time.sleep(0.001)\n"
                   "from minibroker.app.cli import main; sys.exit(main(sys.argv[1:]))")
        procs = [subprocess.Popen([sys.executable, "-c", starter, "load", "--db", str(db), "--jobs", "1",
                                   str(REAL_DIR)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=180)
            results.append((p.returncode, err))
        check_consistent(connect_plain(db))
    assert all(code == 0 for code, _ in results), results


def test_the_upgrade_waits_in_a_thread_too(tmp_path):
    """Same as the first test, inside one process: connect() from a thread blocks on the lock."""
    from minibroker.database import connect

    db = tmp_path / "t.db"
    conn = apsw.Connection(str(db))
    for policy in WRITE_POLICIES:
        policy(conn)
    migrations.migrate(conn, str(db), SHIPPED[:1])
    conn.execute("begin immediate")
    box = {}

    def other():
        try:
            box["conn"] = connect(db)
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            box["error"] = exc

    t = threading.Thread(target=other)
    t.start()
    time.sleep(1)
    for m in SHIPPED[1:]:
        conn.execute(m.sql)
        conn.execute("insert into _migrations values (?, ?, 'now')", (m.name, m.checksum))
    conn.execute("commit")
    t.join(60)
    assert "error" not in box, box.get("error")
