"""Issue 14, limits that hold: TIMEOUT and Ctrl-C stop a query whose every step is heavy, results
stream (csv) or are refused past a bound (table) instead of being held whole, and a query needing
more memory than the budget ends with one line, promptly."""

import os
import signal
import subprocess
from pathlib import Path
import sys
import time

import pytest

from minibroker.database import connect
from conftest import REAL_DIR
from minibroker.loader.load import list_files, load_files
from reliability_helpers import ROOT

# each row builds a 60 MB blob: seconds of work per 10,000-step progress tick, endless in total
HEAVY_STEPS = ("with recursive c(n) as (select 1 union all select n + 1 from c) "
               "select sum(length(randomblob(60000000))) from c")
MANY_ROWS = ("with recursive c(n) as (select 1 union all select n + 1 from c where n < 2000000) "
             "select n, printf('%.100c', 'x') as pad from c")


@pytest.fixture(scope="module")
def ldb(tmp_path_factory):
    path = tmp_path_factory.mktemp("limits") / "l.db"
    conn = connect(path)
    load_files(conn, list_files(REAL_DIR)[:3], "train", jobs=0)
    conn.close()
    return path


def cli(*args):
    return [sys.executable, "-m", "minibroker.app.cli", "sql", *map(str, args)]


def test_time_limit_holds_when_each_step_is_heavy(ldb):
    t0 = time.monotonic()
    out = subprocess.run(cli("--db", ldb, "--timeout", "1", HEAVY_STEPS), cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    took = time.monotonic() - t0
    assert out.returncode == 1, out.stderr
    assert out.stderr.strip() == ("minibroker sql: query interrupted after the 1 s time limit: "
                                  "narrow it or raise TIMEOUT=")
    assert took < 15, took  # start-up + 1 s + one step; before the fix it ran on for minutes


def _cpu(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def test_ctrl_c_holds_when_each_step_is_heavy(ldb):
    proc = subprocess.Popen(cli("--db", ldb, HEAVY_STEPS), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while _cpu(proc.pid) < 1.5 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - t0
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.strip() == "minibroker sql: interrupted"
    assert took < 5, took


def _hwm_mb(pid: int) -> float:
    """The process's peak resident memory since its exec (VmHWM), in MB; 0 once it has exited."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _run_measured(argv):
    """(exit code, stdout bytes, stderr, peak RSS in MB) of a child. The peak is the child's own
    VmHWM, read as it writes: the rusage of a waited child would also count the pytest process's
    memory that the child held between fork and exec."""
    import threading

    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    total, peak = [0], 0.0

    def drain():
        while chunk := proc.stdout.read(1 << 20):
            total[0] += len(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    while reader.is_alive():  # stdout open: the child runs (and its /proc entry has its VmHWM)
        peak = max(peak, _hwm_mb(proc.pid))
        reader.join(0.01)
    err = proc.stderr.read().decode()
    proc.wait()
    assert peak > 0  # measured at least once while it ran
    return proc.returncode, total[0], err, peak


def test_csv_streams_a_large_result_in_bounded_memory(ldb):
    code, size, err, peak = _run_measured(cli("--db", ldb, "--format", "csv", MANY_ROWS))
    assert code == 0, err
    assert size > 200_000_000  # 2 M rows of ~110 bytes went out
    assert peak < 250, peak     # held whole it takes gigabytes


def test_a_table_of_too_many_rows_is_refused_with_what_to_do(ldb):
    code, size, err, peak = _run_measured(cli("--db", ldb, MANY_ROWS))
    assert code == 1
    assert err.strip().startswith("minibroker sql: the result has more than 10,000 rows") and "FORMAT=csv" in err
    assert size == 0 and peak < 250, peak


def test_memory_budget_ends_a_query_with_one_line(ldb):
    q = ("select length(a) + length(b) + length(c) + length(d) from (select randomblob(40000000) as a, "
         "randomblob(40000000) as b, randomblob(40000000) as c, randomblob(40000000) as d)")
    t0 = time.monotonic()
    out = subprocess.run(cli("--db", ldb, "--memory", "100", q), cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 1, out.stderr
    assert out.stderr.startswith("minibroker sql: the query needs more memory than the 100 MiB allowed")
    assert len(out.stderr.strip().splitlines()) == 1
    assert time.monotonic() - t0 < 20  # the error path does not spin
    ok = subprocess.run(cli("--db", ldb, q), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "160000000" in ok.stdout, ok.stderr


def test_bad_memory_budget_is_one_line(ldb):
    out = subprocess.run(cli("--db", ldb, "--memory", "0", "select 1"), cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1 and "memory budget must be a positive number" in out.stderr


def test_python_side_memory_is_capped_too(ldb):
    """MiniBroker's aggregates collect a group in Python lists: past the budget that is a
    MemoryError, reported in one line (the address-space cap), not the machine swapping."""
    q = ("with recursive c(n) as (select 1 union all select n + 1 from c where n < 20000000) "
         "select weighted_mean(n, 1.0) from c")
    out = subprocess.run(cli("--db", ldb, "--memory", "100", q), cwd=ROOT, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 1, out.stderr
    assert out.stderr.startswith("minibroker sql: the query needs more memory than the 100 MiB allowed")
    assert len(out.stderr.strip().splitlines()) == 1
