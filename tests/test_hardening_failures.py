"""Issue 14, clear errors under real failures: a full disk during an upgrade (a real 2 MiB tmpfs,
mounted by the test: the suite runs as root), Ctrl-C during a load with worker processes, a model
blob stored with the wrong type, and a plot of a curve with extreme values."""

import os
import shutil
import signal
import subprocess
import sys
import time

import apsw
import pytest

from minibroker.core import migrations
from minibroker.core.db import WRITE_POLICIES
from conftest import REAL_DIR
from model_fixtures import build_real_db
from reliability_helpers import ROOT, check_consistent, connect_plain, run_cli

SHIPPED = migrations.available()


@pytest.fixture
def small_disk(tmp_path):
    where = tmp_path / "small"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)], capture_output=True,
                          text=True)
    assert done.returncode == 0, f"mounting a tmpfs needs root: {done.stderr}"  # fails loudly, never skips
    yield where
    subprocess.run(["umount", "--lazy", str(where)], check=True)  # lazy: even if a test left a file open


def fill(directory) -> str:
    """Fill the file system holding ``directory``; returns the filler's path."""
    filler = os.path.join(directory, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


@pytest.mark.parametrize("held_open", [False, True])
def test_an_upgrade_failed_by_a_full_disk_says_so_and_keeps_the_data(small_disk, held_open):
    """held_open: another connection keeps the -wal/-shm files, so the upgrade itself starts and
    its first write fails (SQLITE_FULL); otherwise opening already fails (no room for -shm)."""
    db = small_disk / "old.db"
    conn = apsw.Connection(str(db))
    for policy in WRITE_POLICIES:
        policy(conn)
    migrations.migrate(conn, str(db), SHIPPED[:1])
    conn.execute("create table keep (x)")  # stands for the data: must survive
    conn.execute("insert into keep values (42)")
    conn.execute("pragma wal_checkpoint(truncate)")
    if not held_open:
        conn.close()
    filler = fill(small_disk)
    out = run_cli("load", "--db", db, "--jobs", "1", REAL_DIR)
    assert out.returncode == 1, out.stderr
    err = out.stderr.strip()
    assert len(err.splitlines()) == 1 and "internal error" not in err and "report this" not in err, err
    assert "is full" in err and "free space" in err, err
    if held_open:
        assert "cannot upgrade" in err and "rolled back" in err, err
    os.unlink(filler)
    conn.close()
    reader = connect_plain(db)
    assert reader.execute("select x from keep").fetchall() == [(42,)]
    assert [r[0] for r in reader.execute("select name from _migrations")] == [SHIPPED[0].name]
    reader.close()
    from minibroker.core.db import connect  # space again: the upgrade goes through
    connect(db).close()
    assert connect_plain(db).execute("select count(*) from _migrations").fetchone()[0] == len(SHIPPED)


def test_ctrl_c_during_a_load_prints_no_worker_tracebacks(tmp_path):
    data = tmp_path / "many"
    data.mkdir()
    for k in range(30):  # enough files for a few seconds of work with two workers
        for p in REAL_DIR.glob("*.dat"):
            shutil.copy(p, data / f"{p.stem}_{k}.dat")
    db = tmp_path / "c.db"
    proc = subprocess.Popen([sys.executable, "-m", "minibroker.app.cli", "load", "--db", str(db), "--jobs", "3",
                             str(data)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=None)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(f"{db}-wal") and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.5)
        assert proc.poll() is None, "the load ended before it could be interrupted: give it more files"
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
        out, err = proc.communicate(timeout=60)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "minibroker load: interrupted", err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    check_consistent(connect_plain(db))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("trained") / "t.db"
    build_real_db(path).close()
    out = run_cli("train", "--db", path, timeout=600)
    assert out.returncode == 0, out.stderr
    return path


@pytest.mark.parametrize("value,kind", [("cast(bytes as text)", "text"), ("12345", "integer"),
                                        ("1.5", "real")])
def test_a_model_blob_of_the_wrong_type_is_one_line(trained, tmp_path, value, kind):
    db = tmp_path / "m.db"
    shutil.copy(trained, db)
    conn = apsw.Connection(str(db))
    conn.execute("update models set bytes = " + value)  # test code: a fixed literal from the list above
    conn.close()
    out = run_cli("predict", "--db", db, "--dataset", "train")
    assert out.returncode == 1, out.stderr
    err = out.stderr.strip()
    assert len(err.splitlines()) == 1 and f"stored model is {kind}, not a blob" in err, err


def test_a_plot_of_extreme_values_is_drawn(tmp_path):
    data = tmp_path / "ext"
    data.mkdir()
    (data / "X.dat").write_text("t pb flux dflux\n1 g 1e308 1\n2 g -1e308 1\n3 r 1 1e-300\n4 r 5 1e300\n"
                                "-1.7e308 i 1 1\n1.7e308 i -1.79e308 1.79e308\n5 z 1 1\n")
    db = tmp_path / "x.db"
    assert run_cli("load", "--db", db, "--jobs", "1", data).returncode == 0
    for extra in ([], ["--gp"]):
        png = tmp_path / f"x{len(extra)}.png"
        out = run_cli("plot", "--db", db, "--obj", "X", "--out", png, *extra)
        assert out.returncode == 0, out.stderr
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
