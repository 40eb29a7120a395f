"""The command line: help everywhere, one-line errors, exit codes, and the Makefile's help."""

import subprocess
import sys
from pathlib import Path

import pytest

from minibroker.app.cli import build_parser, main
from conftest import REAL_DIR, write_lc

ROOT = Path(__file__).resolve().parents[1]


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


@pytest.mark.parametrize("name", subcommands())
def test_every_command_has_help(name, capsys):
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: minibroker {name}" in out and len(out.splitlines()) >= 3


def test_missing_database_is_one_line(tmp_path, capsys):
    code = main(["sql", "--db", str(tmp_path / "nope.db"), "select 1"])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1 and "no database at" in err and "Traceback" not in err


def test_load_missing_directory(tmp_path, capsys):
    assert main(["load", "--db", str(tmp_path / "x.db"), str(tmp_path / "nodir")]) == 1
    assert "no directory at" in capsys.readouterr().err


def test_load_exits_nonzero_when_a_file_fails_and_prints_summary(tmp_path, capsys):
    d = tmp_path / "d"
    d.mkdir()
    write_lc(d / "ok.dat", [("56000.0", "g", "1.0", "1.0")])
    (d / "bad.dat").write_text("no header here\n")
    code = main(["load", "--db", str(tmp_path / "x.db"), "--jobs", "1", str(d)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "bad.dat" in err and "column header" in err
    assert "2 files: 1 loaded, 0 unchanged, 0 duplicate, 1 failed; 1 rows loaded, 0 rejected" in out


def test_sql_prints_table_and_refuses_writes(tmp_path, capsys):
    db = str(tmp_path / "x.db")
    assert main(["load", "--db", db, "--jobs", "1", str(REAL_DIR)]) == 0
    capsys.readouterr()
    assert main(["sql", "--db", db, "select count(*) as n from rawPhot where pb = 'u'"]) == 0
    assert "2528" in capsys.readouterr().out
    for stmt in ["delete from rawPhot", "drop table lcFeats", "attach 'other.db' as o",
                 "pragma journal_mode = delete", "create temp table t(x)"]:
        assert main(["sql", "--db", db, stmt]) == 1
        err = capsys.readouterr().err
        assert "refused" in err or "readonly" in err.lower(), (stmt, err)
    assert main(["sql", "--db", db, "select count(*) from rawPhot"]) == 0


def test_make_help_lists_targets():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for target in ["load", "labels", "features", "sql", "test", "demo"]:
        assert f"make {target} " in out


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "load" in out.stdout
