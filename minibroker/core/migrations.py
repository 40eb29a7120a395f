"""Schema migrations: ``sql/migrations/NNN_name.sql`` applied in order, each recorded in ``_migrations``.

Each file is applied in one transaction together with its record (name, sha256 checksum, UTC
time), so a failed migration leaves nothing behind. A database that records a migration this
code does not know was made by a newer MiniBroker and is refused; so is one whose recorded
checksum differs from the shipped file (shipped migrations are never edited).
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import apsw

from minibroker.core.sqlfiles import SQL_DIR
from minibroker.core.clock import utc_now
from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render

MIGRATIONS_DIR = SQL_DIR / "migrations"
VIEWS_DIR = SQL_DIR / "views"
_NAME = re.compile(r"^\d{3}_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The shipped migrations in the order they apply."""
    files = sorted(p for p in directory.glob("*.sql"))
    bad = [p.name for p in files if not _NAME.match(p.name)]
    if bad:
        raise RuntimeError(f"migration files must be named NNN_name.sql: {', '.join(bad)}")
    return [Migration(p.name, p.read_text()) for p in files]


def applied(conn: apsw.Connection) -> dict[str, str]:
    """name -> checksum of the migrations recorded in this database."""
    conn.execute(render("queries/migrations/create_table.sql"))
    return dict(conn.execute(render("queries/migrations/applied.sql")).fetchall())


def check_compatible(done: dict[str, str], known: list[Migration], where: str) -> None:
    by_name = {m.name: m for m in known}
    newer = sorted(set(done) - set(by_name))
    if newer:
        raise UserError(
            f"{where} was written by a newer MiniBroker (it has migration {newer[-1]}, "
            f"this code knows up to {known[-1].name if known else 'none'}): upgrade MiniBroker to open it"
        )
    for name, checksum in done.items():
        if by_name[name].checksum != checksum:
            raise UserError(
                f"{where}: migration {name} differs from the one applied to this database "
                "(shipped migrations must never be edited): restore the file or add a new migration"
            )


def migrate(conn: apsw.Connection, where: str = "database", known: list[Migration] | None = None) -> list[str]:
    """Apply every pending migration in order; returns the names applied.

    Another writer may be creating or upgrading the same database at this moment (two ``make
    load`` started together): each migration runs in a ``begin immediate`` transaction that first
    waits for the write lock, then re-reads what is applied, so the second writer finds the work
    done instead of repeating it."""
    known = available() if known is None else known
    done = applied(conn)
    check_compatible(done, known, where)
    ran = []
    while any(m.name not in done for m in known):
        conn.execute("begin immediate")  # waits (busy timeout) for a writer that may be migrating
        try:
            done = applied(conn)
            check_compatible(done, known, where)
            pending = [m for m in known if m.name not in done]
            if pending:  # one transaction: the schema change and its record, or neither
                m = pending[0]
                conn.execute(m.sql)
                conn.execute(
                    render("queries/migrations/record.sql"),
                    {"name": m.name, "checksum": m.checksum, "appliedAt": utc_now()},
                )
                done[m.name] = m.checksum
                ran.append(m.name)
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit")
    return ran


def sync_views(conn: apsw.Connection, directory: Path = VIEWS_DIR) -> list[str]:
    """(Re)create each ``sql/views/<name>.sql`` whose stored text differs; returns those changed.
    Checked again under the write lock: another writer may be syncing the same views."""
    changed = []
    for path in sorted(directory.glob("*.sql")):
        name = path.stem
        sql = _view_statement(path)
        if _view_current(conn, name, sql):
            continue
        conn.execute("begin immediate")
        try:
            if not _view_current(conn, name, sql):
                conn.execute(path.read_text())  # the file drops the old view: "drop view if exists …; create view …"
                changed.append(name)
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit")
    return changed


def _view_current(conn: apsw.Connection, name: str, sql: str) -> bool:
    row = conn.execute(render("queries/migrations/view_sql.sql"), {"name": name}).fetchone()
    return bool(row) and _VIEW_HEAD.sub("create view", row[0]) == sql


_VIEW_HEAD = re.compile(r"^\s*create\s+view", re.IGNORECASE)


def _view_statement(path: Path) -> str:
    """The ``create view`` statement of a view file, without leading comments or final semicolon."""
    text = path.read_text()
    m = re.search(r"^create\s+view\s", text, re.IGNORECASE | re.MULTILINE)
    if not m:
        raise RuntimeError(f"{path}: a view file must hold one 'create view {path.stem} as ...' statement")
    return _VIEW_HEAD.sub("create view", text[m.start():].strip().rstrip(";").rstrip())


def check_readable(conn: apsw.Connection, where: str = "database") -> None:
    """For read-only connections: refuse a database that is not MiniBroker's or is newer than this code."""
    has_table = conn.execute(render("queries/migrations/has_table.sql")).fetchone()[0]
    if not has_table:
        raise UserError(f"{where} is not a MiniBroker database (no _migrations table): check the DB path")
    done = dict(conn.execute(render("queries/migrations/applied.sql")).fetchall())
    check_compatible(done, available(), where)

