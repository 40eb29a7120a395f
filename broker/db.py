"""Connections: set-up as small named policies (after apsw's bestpractice), one ``connect`` for all.

Every connection the project opens has foreign keys on, a busy timeout and the SQL functions
of ``udf`` registered. Writer connections also use WAL and bring the schema up to date;
read-only connections refuse every write at the SQLite level.
"""

from pathlib import Path

import apsw

import udf
from broker.errors import UserError
from broker.migrations import check_readable, migrate, sync_views

BUSY_TIMEOUT_MS = 30_000


def policy_foreign_keys(conn: apsw.Connection) -> None:
    conn.pragma("foreign_keys", True)


def policy_busy_timeout(conn: apsw.Connection) -> None:
    conn.set_busy_timeout(BUSY_TIMEOUT_MS)


def policy_wal(conn: apsw.Connection) -> None:
    """WAL lets analysts read while a load writes; NORMAL sync is durable at each checkpoint."""
    conn.pragma("journal_mode", "wal")
    conn.pragma("synchronous", "normal")


def policy_writer_cache(conn: apsw.Connection) -> None:
    """A 256 MiB page cache, so large load transactions do not spill pages to the WAL midway."""
    conn.pragma("cache_size", -262_144)


def policy_functions(conn: apsw.Connection) -> None:
    udf.register(conn)


READ_POLICIES = (policy_foreign_keys, policy_busy_timeout, policy_functions)
WRITE_POLICIES = (policy_wal, policy_writer_cache, *READ_POLICIES)


def connect(path: str | Path, *, readonly: bool = False) -> apsw.Connection:
    """Open the database at ``path``.

    Writers create it if needed and apply pending migrations and views; readers need it to
    exist and get a read-only connection.
    """
    path = Path(path)
    where = str(path)
    if readonly:
        if not path.is_file():
            raise UserError(f"no database at {where}: load data first (make load DATA=dir DB={where})")
        conn = _open(where, apsw.SQLITE_OPEN_READONLY)
        for policy in READ_POLICIES:
            policy(conn)
        check_readable(conn, where)
        return conn
    if path.parent and not path.parent.exists():
        raise UserError(f"cannot create {where}: directory {path.parent} does not exist")
    conn = _open(where, apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE)
    for policy in WRITE_POLICIES:
        policy(conn)
    migrate(conn, where)
    sync_views(conn)
    return conn


def _open(where: str, flags: int) -> apsw.Connection:
    try:
        conn = apsw.Connection(where, flags=flags)
        conn.pragma("schema_version")  # reads the header: fails here on a file that is not SQLite
    except apsw.NotADBError:
        raise UserError(f"{where} is not a SQLite database: give another DB path") from None
    except apsw.CantOpenError:
        raise UserError(f"cannot open {where}: check the path and its permissions") from None
    return conn
