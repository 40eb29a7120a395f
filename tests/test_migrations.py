"""Schema migrations: recorded, applied in order, upgrades keep data, newer/edited schemas are refused."""

import shutil
import subprocess

import apsw
import pytest

from minibroker.core import migrations
from minibroker.database import connect
from minibroker.core.errors import UserError
from conftest import REAL_DIR, real_data_lines
from minibroker.loader.load import list_files, load_files


def shipped(tmp_path, extra: dict[str, str] | None = None):
    """A copy of the shipped migrations plus ``extra`` files, as the runner sees them."""
    d = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS_DIR, d)
    for name, sql in (extra or {}).items():
        (d / name).write_text(sql)
    return migrations.available(d)


def test_each_migration_recorded_with_checksum_and_time(db):
    rows = db.execute("select name, checksum, appliedAt from _migrations order by name").fetchall()
    assert [r[0] for r in rows] == [m.name for m in migrations.available()]
    assert all(len(r[1]) == 64 and r[2].endswith("+00:00") for r in rows)


def test_upgrade_keeps_data(tmp_path):
    path = tmp_path / "old.db"
    conn = connect(path)
    load_files(conn, list_files(REAL_DIR)[:10], "train", jobs=1)
    n = conn.execute("select count(*) from rawPhot").fetchone()[0]
    newer = shipped(tmp_path, {"999_add_note.sql": "alter table objects add column note text;\n"
                                                    "create table extra (x integer);\n"})
    assert migrations.migrate(conn, "old.db", newer) == ["999_add_note.sql"]
    assert conn.execute("select count(*) from rawPhot").fetchone()[0] == n
    assert conn.execute("select count(note) from objects").fetchone()[0] == 0
    assert migrations.migrate(conn, "old.db", newer) == []  # idempotent


def test_failed_migration_rolls_back_completely(db, tmp_path):
    broken = shipped(tmp_path, {"999_broken.sql": "create table half (x integer);\ninsert into nowhere values (1);\n"})
    with pytest.raises(apsw.SQLError):
        migrations.migrate(db, "db", broken)
    assert db.execute("select count(*) from sqlite_schema where name = 'half'").fetchone()[0] == 0
    assert db.execute("select count(*) from _migrations where name = '999_broken.sql'").fetchone()[0] == 0


def test_database_newer_than_code_is_refused(tmp_path):
    path = tmp_path / "new.db"
    conn = connect(path)
    migrations.migrate(conn, "new.db", shipped(tmp_path, {"999_future.sql": "create table future (x);\n"}))
    conn.close()
    with pytest.raises(UserError, match="newer MiniBroker"):
        connect(path)
    with pytest.raises(UserError, match="newer MiniBroker"):
        connect(path, readonly=True)


def test_edited_migration_is_refused(db, tmp_path):
    unedited = shipped(tmp_path)
    assert migrations.migrate(db, "db", unedited) == []  # the unedited copy is what db has applied
    d = tmp_path / "migrations"
    first = sorted(d.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(UserError, match="must never be edited"):
        migrations.migrate(db, "db", migrations.available(d))


def test_not_a_database_is_a_clear_error(tmp_path):
    p = tmp_path / "junk.db"
    p.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(UserError, match="not a SQLite database"):
        connect(p)


def test_foreign_keys_on_and_wal(db):
    assert db.pragma("foreign_keys") == 1
    assert db.pragma("journal_mode") == "wal"
    with pytest.raises(apsw.ConstraintError):
        db.execute("insert into rawPhot (objId, t, pb, flux, dflux) values (12345, 1.0, 'g', 1.0, 1.0)")


def test_stock_sqlite3_shell_reads_tables_and_views(real_db):
    sqlite3 = shutil.which("sqlite3")
    assert sqlite3, "the stock sqlite3 shell is needed (apt-get install sqlite3)"
    views = [r[0] for r in connect(real_db, readonly=True).execute(
        "select name from sqlite_schema where type = 'view'")]
    assert views
    for table in ["rawPhot", "lcFeats", "lcLabels", "objects", "objectHeaders", "sourceFiles", "rejects", *views]:
        out = subprocess.run([sqlite3, str(real_db), f'select count(*) from "{table}"'],
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip().isdigit(), (table, out.stderr)
    n = subprocess.run([sqlite3, str(real_db), "select count(*) from rawPhot"], capture_output=True, text=True)
    assert int(n.stdout) == sum(real_data_lines().values())
