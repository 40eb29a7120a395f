"""Issue 14, nothing lost at the edges: file names that are not UTF-8 (or differ only in such bytes)
stay separate objects and the summary equals what the database holds; control characters in names
do not break one-line-per-failure output; a CSV label comes back when its object does; a dataset
named from a path takes the directory's own name."""

import csv
import io
import os
import subprocess
import sys

from conftest import REAL_LABELS
from reliability_helpers import ROOT, check_consistent, connect_plain

GOOD = b"t pb flux dflux\n1 g 1 1\n"


def load(db, data, *extra):
    return subprocess.run([sys.executable, "-m", "minibroker.app.cli", "load", "--db", str(db), "--jobs", "1", *extra,
                           os.fsdecode(data)], cwd=ROOT, capture_output=True, text=True, timeout=120)


def summary_numbers(out: str) -> dict[str, int]:
    words = out.replace(",", " ").replace(";", " ").split()
    return {w: int(words[i - 1]) for i, w in enumerate(words) if w in {"loaded", "failed", "rows"} and
            words[i - 1].isdigit()}


def test_names_differing_only_in_undecodable_bytes_stay_apart(tmp_path):
    d = os.fsencode(tmp_path / "data")
    os.mkdir(d)
    files = {b"caf\xe9.dat": 1, b"caf\xe8.dat": 2, "caf\N{REPLACEMENT CHARACTER}.dat".encode(): 3,
             b"caf\\xe9.dat": 4}  # the last is the literal text a naive escape would produce
    for name, n in files.items():
        with open(d + b"/" + name, "wb") as fh:
            fh.write(GOOD + b"".join(b"%d r 2 1\n" % i for i in range(n)))
    db = tmp_path / "n.db"
    out = load(db, d)
    conn = connect_plain(db)
    held = conn.execute("select count(*) from rawPhot").fetchone()[0]
    objects = conn.execute("select count(*) from objects").fetchone()[0]
    reported = out.stdout
    # every data line is a row or a rejection, or its file is reported (a name that cannot be told
    # apart is a reported failure, never a silent merge); the summary says what the DB holds
    assert f"{held} rows loaded" in reported, (reported, held)
    assert objects + reported.count("same object name") + out.stderr.count("same object name") >= 3
    assert objects >= 3, conn.execute("select name from objects").fetchall()
    check_consistent(conn)


def test_a_newline_in_a_file_name_keeps_one_line_per_failure(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "bad\nname.dat").write_bytes(b"\x00binary")
    (d / "tab\there.dat").write_bytes(b"no header\n")
    (d / "ok.dat").write_bytes(GOOD)
    out = load(tmp_path / "c.db", d)
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert len(lines) == 2, out.stderr
    assert any("bad\\nname.dat: binary file" in ln for ln in lines), lines
    assert any("tab\\there.dat:" in ln for ln in lines), lines


def test_a_csv_label_comes_back_when_its_file_is_fixed(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "A.dat").write_bytes(GOOD)
    (d / "B.dat").write_bytes(GOOD + b"2 g 1 1\n")
    db = tmp_path / "l.db"
    assert load(db, d, "--dataset", "s").returncode == 0
    labels_csv = tmp_path / "labels.csv"
    labels_csv.write_text("name,label\nA,42\nB,7\n")
    lab = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "labels", "--db", str(db), "--dataset", "s",
                          str(labels_csv)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert lab.returncode == 0, lab.stderr
    (d / "A.dat").write_bytes(b"\x00 briefly bad")                  # A fails: its object goes
    (d / "B.dat").write_bytes(GOOD)                                  # B duplicates A's old content ...
    assert load(db, d, "--dataset", "s").returncode == 1
    (d / "A.dat").write_bytes(GOOD + b"3 i 1 1\n")                   # ... both fixed again
    (d / "B.dat").write_bytes(GOOD + b"4 z 1 1\n")
    assert load(db, d, "--dataset", "s").returncode == 0
    conn = connect_plain(db)
    labels = dict(conn.execute("select o.name, l.label from lcLabels l join objects o using (objId)"))
    assert labels == {"A": 42, "B": 7}


def test_dataset_takes_the_directory_own_name(tmp_path):
    odd = "night 1 'quoted' $x \"dq\" ;rm"
    d = tmp_path / odd
    d.mkdir()
    (d / "A.dat").write_bytes(GOOD)
    link = tmp_path / "latest"
    link.symlink_to(d)
    db = tmp_path / "d.db"
    assert load(db, str(d) + "/").returncode == 0
    assert load(db, link).returncode == 0
    raw = os.fsencode(tmp_path) + b"/raw\xff"
    os.mkdir(raw)
    with open(raw + b"/A.dat", "wb") as fh:
        fh.write(GOOD)
    out = load(db, raw)
    assert out.returncode == 0, out.stderr
    names = sorted(r[0] for r in connect_plain(db).execute("select distinct dataset from objects"))
    assert names == sorted([odd, "latest", "raw\\xff"])


def test_make_passes_text_variables_intact(tmp_path):
    d = tmp_path / "my data $HOME `id` \"q\""
    d.mkdir()
    (d / "A.dat").write_bytes(GOOD)
    db = tmp_path / "it's a db.db"
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS"}}
    out = subprocess.run(["make", "-s", "load", f"DATA={d}", f"DB={db}", "JOBS=1"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    q = subprocess.run(["make", "-s", "sql", f"DB={db}", "FORMAT=csv",
                        "Q=select dataset || ' $(shell id) ' || count(*) from objects where name = 'A'"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert q.returncode == 0, q.stderr
    assert list(csv.reader(io.StringIO(q.stdout)))[1] == [f"{d.name} $(shell id) 1"], q.stdout
    p = subprocess.run(["make", "-s", "sql", f"DB={db}", "FORMAT=csv", "Q=select :a || '|' || :b",
                        "PARAMS=a='two words' b=$x"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert "two words|$x" in p.stdout, p.stdout + p.stderr
    assert REAL_LABELS.exists()
