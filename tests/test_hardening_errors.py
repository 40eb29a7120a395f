"""Issue 14, clear errors: ordinary mistakes give one line (what is wrong, what to do) and exit 1,
never `internal error`."""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import REAL_DIR
from reliability_helpers import ROOT, run_cli

NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.fixture(scope="module")
def edb(tmp_path_factory):
    path = tmp_path_factory.mktemp("errors") / "e.db"
    out = run_cli("load", "--db", path, "--jobs", "1", "--dataset", "d", REAL_DIR)
    assert out.returncode == 0, out.stderr
    return path


def one_line(out, code=1):
    assert out.returncode == code, (out.returncode, out.stderr)
    err = out.stderr.strip()
    assert len(err.splitlines()) == 1 and "internal error" not in err, err
    return err


@pytest.mark.parametrize("args,words", [
    (["select ?"], "positional parameter"),
    (["--param", "x=99999999999999999999999", "select :x"], "64-bit integers"),
    (["--param", "x=1e999", "select :x"], "overflows a double"),
    (["--filter", "bright_transients", "--param", "top=abc"], "takes a number here"),
    (["select 1 limit 'abc'"], "datatype mismatch"),
    (["--params", "a='unclosed", "select :a"], "quote values"),
])
def test_sql_parameter_mistakes(edb, args, words):
    err = one_line(run_cli("sql", "--db", edb, *args))
    assert words in err, err


@pytest.mark.parametrize("content,words", [
    (b"name,label\nFAKE001,99999999999999999999999\n", "label"),
    (b"name,label\nFAKE001,1\xff\n", "not valid UTF-8"),
    (b"name,label\nFAKE\xff01,1\n", "not valid UTF-8"),
    (b"name,label\nFAKE001," + b"1" * 200_000 + b"\n", "not a readable CSV"),
])
def test_label_csv_mistakes(edb, tmp_path, content, words):
    csv = tmp_path / "l.csv"
    csv.write_bytes(content)
    out = run_cli("labels", "--db", edb, "--dataset", "d", csv)
    assert out.returncode == 1 and "internal error" not in out.stderr, out.stderr
    assert words in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_unreadable_data_directory():
    top = tempfile.mkdtemp(prefix="mb-unreadable-", dir="/tmp")  # pytest's tmp_path is root-only
    os.chmod(top, 0o755)
    d = os.path.join(top, "unreadable")
    os.mkdir(d)
    shutil.copy(next(REAL_DIR.glob("*.dat")), d)
    os.chmod(d, 0o000)
    try:
        out = subprocess.run([*NOBODY, sys.executable, "-m", "minibroker.app.cli", "load", "--db", "/tmp/mb-never.db",
                              str(d)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        os.chmod(d, 0o755)
        shutil.rmtree(top)
    err = one_line(out)
    assert "cannot read the directory" in err and "Permission denied" in err
