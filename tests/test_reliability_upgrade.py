"""Promise 5, upgrades keep data: a database made at every earlier schema version opens, migrates to the
current one and keeps every row; a migration that fails part-way rolls back completely (schema, data
and its _migrations record) and the command says so in one line."""

import re

import apsw
import pytest


from minibroker.core import migrations
from minibroker.app.cli import main
from minibroker.core.db import WRITE_POLICIES
from minibroker.database import connect
from conftest import REAL_DIR
from minibroker.loader.labels import load_labels
from minibroker.loader.load import list_files, load_files
from reliability_helpers import dump

SHIPPED = migrations.available()


def old_database(path, version: int):
    """A database as a MiniBroker whose newest migration was SHIPPED[version - 1] left it, with data."""
    conn = apsw.Connection(str(path))
    for policy in WRITE_POLICIES:
        policy(conn)
    migrations.migrate(conn, str(path), SHIPPED[:version])
    load_files(conn, list_files(REAL_DIR)[:6], "train", jobs=1)
    load_labels(conn, REAL_DIR.parent / "training_labels.csv", "train")
    return conn


@pytest.mark.parametrize("version", range(1, len(SHIPPED)))
def test_every_earlier_version_upgrades_and_keeps_every_row(tmp_path, version):
    path = tmp_path / f"v{version}.db"
    conn = old_database(path, version)
    before = dump(conn)
    conn.close()
    conn = connect(path)  # a writer opening it applies the pending migrations
    assert [r[0] for r in conn.execute("select name from _migrations order by name")] == [m.name for m in SHIPPED]
    after = dump(conn)
    for table, rows in before.items():
        if table != "_migrations" and rows:  # later migrations may add columns: they come last in each row
            assert [r[:len(rows[0])] for r in after[table]] == rows, table
    assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    assert conn.execute("pragma foreign_key_check").fetchall() == []
    # and the upgraded database works: more data, features
    load_files(conn, list_files(REAL_DIR)[6:8], "train", jobs=1)
    from minibroker.features.pipeline import compute
    assert compute(conn).objects == 8


def test_a_reader_can_open_an_older_database_before_it_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    old_database(path, 1).close()
    conn = connect(path, readonly=True)
    assert conn.execute("select count(*) from objects").fetchone()[0] == 6


BROKEN = migrations.Migration(
    "999_broken.sql",
    "alter table objects add column note text;\n"
    "update objects set note = 'half done';\n"
    "create table half (x integer);\n"
    "insert into half values (1);\n"
    "delete from rawPhot;\n"
    "insert into nowhere values (1);\n",  # fails here, after changing schema and data
)


def test_failed_migration_rolls_back_schema_data_and_record(tmp_path):
    path = tmp_path / "b.db"
    conn = old_database(path, len(SHIPPED))
    before = dump(conn)
    schema = conn.execute("select type, name, sql from sqlite_schema order by name").fetchall()
    with pytest.raises(apsw.SQLError, match="nowhere"):
        migrations.migrate(conn, str(path), [*SHIPPED, BROKEN])
    assert conn.execute("select type, name, sql from sqlite_schema order by name").fetchall() == schema
    assert dump(conn) == before
    assert not conn.in_transaction


def test_failed_migration_through_the_cli_is_one_line_and_leaves_the_database_usable(tmp_path, monkeypatch, capsys):
    path = tmp_path / "c.db"
    old_database(path, len(SHIPPED) - 1).close()  # one shipped migration pending, then a broken one
    with apsw.Connection(str(path)) as plain:
        before = dump(plain)
    monkeypatch.setattr(migrations, "available", lambda directory=None: [*SHIPPED, BROKEN])
    assert main(["features", "--db", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "999_broken.sql" in err and "rolled back" in err, err
    monkeypatch.undo()
    with apsw.Connection(str(path)) as plain:  # the pending good migration was applied, the broken one not
        names = [r[0] for r in plain.execute("select name from _migrations order by name")]
        assert names == [m.name for m in SHIPPED]
        after = dump(plain)
    width = {t: len(r[0]) for t, r in before.items() if r}  # the pending migration may add columns (last)
    assert {t: [row[:width[t]] for row in r] for t, r in after.items() if t in width and t != "_migrations"} == {
        t: r for t, r in before.items() if t in width and t != "_migrations"}
    assert main(["features", "--db", str(path)]) == 0  # and it works with the shipped code


def test_migrations_apply_inside_one_transaction_each(tmp_path):
    """A migration file with its own BEGIN/COMMIT would break the all-or-nothing promise: none has one."""
    for m in SHIPPED:
        body = "\n".join(line.split("--")[0] for line in m.sql.lower().splitlines())
        body = re.sub(r"create\s+trigger\b.*?\bbegin\b.*?\bend\s*;", "", body, flags=re.S)  # a trigger's body
        assert "begin" not in body.split() and "commit;" not in body.replace(" ", ""), m.name
