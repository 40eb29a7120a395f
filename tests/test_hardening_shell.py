"""Issue 14, the analyst shell: exactly the dot-commands an analyst needs are allowed, every other
one is refused with one line and leaves no file behind; .help works; a reader who cannot write the
database's directory can still query it (checked as user nobody, since root ignores permissions)."""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import apsw
import apsw.shell
import pytest

from minibroker.database import connect
from minibroker.analyst.shell import ALLOWED
from conftest import REAL_DIR
from minibroker.loader.load import list_files, load_files
from reliability_helpers import ROOT

NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.fixture(scope="module")
def sdb(tmp_path_factory):
    path = tmp_path_factory.mktemp("shell") / "s.db"
    conn = connect(path)
    load_files(conn, list_files(REAL_DIR)[:5], "train", jobs=0)
    conn.close()
    return path


def shell(db, script, cwd=ROOT, prefix=()):
    return subprocess.run([*prefix, sys.executable, "-m", "minibroker.app.cli", "sql", "--db", str(db)], cwd=cwd,
                          input=script, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # this checkout's code, from any cwd


def digest(path) -> str:
    return hashlib.sha256(b"".join(open(f"{path}{s}", "rb").read() for s in ("", "-wal")
                                   if os.path.exists(f"{path}{s}"))).hexdigest()


def apsw_commands() -> set[str]:
    return {n[len("command_"):] for n in dir(apsw.shell.Shell) if n.startswith("command_")}


def test_help_works_and_lists_only_the_allowed_commands(sdb):
    out = shell(sdb, ".help\n.help mode\n")
    text = out.stdout + out.stderr
    assert "must have documentation" not in text and "Error" not in text, text
    for cmd in ("mode", "tables", "schema", "parameter", "header", "help", "exit"):
        assert f".{cmd}" in text, (cmd, text)
    for cmd in ("output", "shell", "py", "backup", "import", "open", "load", "read", "dump", "once"):
        listed = [ln for ln in text.splitlines() if ln.split()[:1] == [f".{cmd}"]]
        assert listed == [], (cmd, text)


def test_allowed_list_is_known_to_apsw_and_small():
    assert set(ALLOWED) <= apsw_commands() | {"headers", "exit"}
    assert not {"output", "shell", "py", "backup", "import", "autoimport", "open", "load", "restore", "read",
                "dump", "cd", "log", "limit", "dbconfig", "connection", "close", "encoding"} & set(ALLOWED)


@pytest.mark.parametrize("cmd", sorted(apsw_commands() - set(ALLOWED) | {"once", "system", "nonsense"}))
def test_every_other_dot_command_is_refused_in_one_line(cmd, sdb, tmp_path):
    target = tmp_path / "written"
    args = {"output": f"{target}", "once": f"{target}", "log": f"{target}", "backup": f"main {target}",
            "shell": f"touch {target}", "system": f"touch {target}", "py": f"open('{target}', 'w')",
            "dump": "", "import": f"{sdb} t", "autoimport": f"{sdb}", "read": f"{sdb}", "cd": f"{tmp_path}",
            "open": f"{target}", "restore": f"main {target}", "limit": "length 2000000000",
            "dbconfig": "defensive 0", "pages_svg": f"{target}"}.get(cmd, "")
    before = digest(sdb)
    out = shell(sdb, f".{cmd} {args}\nselect 'still ' || 'here';\n", cwd=tmp_path)
    refusals = [ln for ln in (out.stdout + out.stderr).splitlines() if "not available" in ln]
    assert len(refusals) == 1 and f".{cmd} is not available in the read-only analyst shell" in refusals[0], \
        out.stdout + out.stderr
    assert "still here" in out.stdout
    assert not target.exists() and digest(sdb) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_allowed_commands_do_their_job(sdb):
    script = (".mode csv\n.headers on\nselect name, objId from objects order by objId limit 2;\n"
              ".parameter set lim 1\nselect count(*) as n from objects limit $lim;\n"
              ".tables\n.schema objects\n.mode list\n.nullvalue NIL\nselect null;\n")
    out = shell(sdb, script)
    assert "name,objId\nFAKE001,1\nFAKE002,2" in out.stdout, out.stdout + out.stderr
    assert "n\n5" in out.stdout
    assert "rawPhot" in out.stdout and "create table objects" in out.stdout.lower()
    assert "NIL" in out.stdout
    assert "not available" not in out.stdout + out.stderr


def test_box_mode_keeps_a_bounded_number_of_rows(sdb):
    many = "with recursive c(n) as (select 1 union all select n + 1 from c where n < 20000) select n from c;\n"
    out = shell(sdb, ".mode box\n" + many + "select 'after';\n")
    assert "more than 10,000 rows" in out.stderr + out.stdout
    assert "after" in out.stdout
    out = shell(sdb, ".mode list\n" + many)
    assert out.stdout.split()[-1] == "20000"


@pytest.fixture
def readonly_copy(sdb):
    """The database alone in a directory that user nobody can read but not write."""
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to run a check as another user")
    where = tempfile.mkdtemp(prefix="mb-ro-", dir="/tmp")
    os.chmod(where, 0o755)
    shutil.copy(sdb, os.path.join(where, "ro.db"))
    os.chmod(os.path.join(where, "ro.db"), 0o644)
    yield os.path.join(where, "ro.db")
    shutil.rmtree(where)


def test_a_reader_who_cannot_write_the_directory_can_query(readonly_copy):
    q = subprocess.run([*NOBODY, sys.executable, "-m", "minibroker.app.cli", "sql", "--db", readonly_copy,
                        "select count(*) from objects"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert q.returncode == 0, q.stderr
    assert "5" in q.stdout
    out = shell(readonly_copy, "select 'n=' || count(*) from objects;\n", prefix=NOBODY)
    assert "n=5" in out.stdout, out.stderr
    assert sorted(os.listdir(os.path.dirname(readonly_copy))) == ["ro.db"]
    # and the writer's check still holds for that user: writing is refused in one line
    w = subprocess.run([*NOBODY, sys.executable, "-m", "minibroker.app.cli", "sql", "--db", readonly_copy,
                        "delete from objects"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert w.returncode == 1 and w.stderr.startswith("minibroker sql: refused"), w.stderr


def test_a_reader_who_cannot_write_sees_the_wal_or_is_told_why(readonly_copy):
    """A writer's -wal beside the file: with its -shm the reader sees the changes; a -wal left
    without its -shm (a crash, a copy) cannot be read without writing: one line says what to do."""
    where = os.path.dirname(readonly_copy)
    writer = apsw.Connection(readonly_copy)
    writer.pragma("wal_autocheckpoint", 0)
    writer.execute("create table extra (x); insert into extra values (7)")
    argv = [*NOBODY, sys.executable, "-m", "minibroker.app.cli", "sql", "--db", readonly_copy, "select x from extra"]
    seen = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert seen.returncode == 0 and "7" in seen.stdout, seen.stderr
    lone = os.path.join(where, "lone")
    os.mkdir(lone)
    os.chmod(lone, 0o755)
    for suffix in ("", "-wal"):
        shutil.copy(readonly_copy + suffix, os.path.join(lone, "ro.db" + suffix))
    writer.close()
    argv[argv.index(readonly_copy)] = os.path.join(lone, "ro.db")
    refused = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1, refused.stdout
    assert "-wal file holds changes" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
