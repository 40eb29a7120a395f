"""Promise 2, crash safety: `minibroker load` killed with SIGKILL at many moments leaves a database
that passes integrity_check and foreign_key_check and holds every file completely or not at all;
running the same command again ends in exactly the state of an uninterrupted load.

The kills are real: the load runs as a subprocess (with its parser worker processes, in its own
process group) and the whole group gets SIGKILL after a delay. Delays are spread over the measured
length of an uninterrupted load, so kills land in start-up, migrations, mid-transaction, at
commits and in the final checkpoint. The loader commits every COMMIT_ROWS rows (set small here so
one load makes ~25 transactions); each file is a savepoint inside a transaction.
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from contextlib import closing

import numpy as np
import pytest

from conftest import random_rows, write_lc
from reliability_helpers import ROOT, check_consistent, connect_plain, dump

N_FILES = 200
KILLS = 16
COMMIT_ROWS = 2000

# the real command line (argparse, main(), the load command), with the loader's commit size made small and
# without the other packages' commands (so this test does not depend on them importing)
RUNNER = """
import sys
from minibroker.app import cli
from minibroker.loader import load
load.COMMIT_ROWS = int(sys.argv[1])
cli.COMMAND_MODULES = ["minibroker.loader.cli"]
sys.exit(cli.main(sys.argv[2:]))
"""


def load_cmd(db, data):
    return [sys.executable, "-c", RUNNER, str(COMMIT_ROWS), "load", "--db", str(db), "--jobs", "3",
            "--dataset", "crash", str(data)]


def run_to_end(db, data) -> subprocess.CompletedProcess:
    out = subprocess.run(load_cmd(db, data), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr  # 1: the corpus holds files that fail on purpose
    assert "Traceback" not in out.stderr
    return out


def start(db, data) -> subprocess.Popen:
    return subprocess.Popen(load_cmd(db, data), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def kill_after(proc: subprocess.Popen, delay: float) -> bool:
    """SIGKILL the load's process group after ``delay`` s; False if it had already finished."""
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # worker processes left behind by a finished run
        except ProcessLookupError:
            pass
    return False


def remove_db(db) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{db}{suffix}"):
            os.remove(f"{db}{suffix}")


def check_after_kill(db) -> int:
    """The killed database is sound and holds whole files only; returns how many files it holds."""
    if not db.exists():
        return 0
    conn = connect_plain(db)
    try:
        if not conn.execute("select count(*) from sqlite_schema where name = 'sourceFiles'").fetchone()[0]:
            return 0  # killed before the first migration committed
        check_consistent(conn)
        # each loaded object carries both its header lines and its #label, as in its file
        partial = conn.execute("""
            select o.name from objects o
            where (select count(*) from objectHeaders h where h.objId = o.objId) != 2
               or not exists (select 1 from lcLabels l where l.objId = o.objId)""").fetchall()
        assert partial == []
        return conn.execute("select count(*) from sourceFiles").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def crash_data(tmp_path_factory):
    d = tmp_path_factory.mktemp("crashdata") / "crash"
    d.mkdir()
    rng = np.random.default_rng(20261124)
    for i in range(N_FILES):
        rows = random_rows(rng, int(rng.integers(40, 400)), bands="ugrizy")
        if i % 10 == 3:
            rows[0] = (rows[0][0], "Q", rows[0][2], rows[0][3])  # a rejection
        write_lc(d / f"obj{i:03d}.dat", rows, {"ID": i, "label": i % 7})
    (d / "obj050.dat").write_bytes(b"\x00\x01binary")  # failed
    shutil.copy(d / "obj010.dat", d / "obj011.dat")  # duplicate
    (d / "obj120.dat").write_text("no header\n1 2 3 4\n")  # failed
    return d


def test_sigkill_at_many_points_then_rerun_equals_uninterrupted_load(tmp_path, crash_data):
    ref_db = tmp_path / "ref.db"
    t0 = time.monotonic()
    run_to_end(ref_db, crash_data)
    full = time.monotonic() - t0
    with closing(connect_plain(ref_db)) as conn:
        ref = dump(conn)
    assert len(ref["sourceFiles"]) == N_FILES

    rng = random.Random(7)
    db = tmp_path / "killed.db"
    killed = finished = 0
    held = []
    tried = []  # (delay, files held after the kill)

    def attempt(delay):
        nonlocal killed, finished
        if kill_after(start(db, crash_data), delay):
            killed += 1
            held.append(check_after_kill(db))
            tried.append((delay, held[-1]))
        else:  # this run resumed and finished before the kill: check it, start again from nothing
            finished += 1
            with closing(connect_plain(db)) as conn:  # closed before its files go: SQLite keys
                assert dump(conn) == ref                # open files by inode, which a new file may reuse
            remove_db(db)
            tried.append((delay, N_FILES))

    for i in range(2 * KILLS):
        if killed == KILLS:
            break
        attempt(full * (0.15 + 0.95 * (i % KILLS + rng.random()) / KILLS))  # spread over the load
    for _ in range(8):  # a noisy machine may have put every kill before or after the writing: aim
        if any(0 < h < N_FILES for h in held):
            break
        before = max((d for d, h in tried if h == 0), default=0.0)
        after = min((d for d, h in tried if h == N_FILES and d > before), default=2 * full)
        remove_db(db)
        attempt((before + after) / 2)
    run_to_end(db, crash_data)  # the re-run completes whatever the last kill interrupted
    with closing(connect_plain(db)) as conn:
        check_consistent(conn)
        assert dump(conn) == ref
    print(f"uninterrupted load {full:.2f} s; {killed} kills, {finished} runs finished first; files held "
          f"after each kill: {held}")
    assert killed >= KILLS * 2 // 3, (killed, finished)
    # the kills landed at different stages: before anything, with some files, and near the end
    assert 0 in held or min(held) < N_FILES // 4, held
    assert any(0 < h < N_FILES for h in held), held
