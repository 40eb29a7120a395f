"""Connections: set-up as small named policies (after apsw's bestpractice), one ``connect`` for all.

Every connection the project opens has foreign keys on, a busy timeout and the SQL functions
of ``udf`` registered. Writer connections also use WAL and bring the schema up to date;
read-only connections refuse every write at the SQLite level.
"""

from contextlib import contextmanager
from pathlib import Path

import apsw

from udf import registry as udf_registry
from broker import migrations as schema
from broker.errors import UserError
from broker.migrations import check_readable, migrate, sync_views
from broker.sqlfiles import render

BUSY_TIMEOUT_MS = 30_000
WAL_AUTOCHECKPOINT_PAGES = 1000        # SQLite's default, stated: a passive checkpoint after each commit past it
WAL_SIZE_LIMIT = 64 * 1024 * 1024      # bytes the -wal file is cut back to whenever it restarts
CHECKPOINT_WAIT_MS = 2_000             # how long the final checkpoint waits for readers to move on


def policy_foreign_keys(conn: apsw.Connection) -> None:
    conn.pragma("foreign_keys", True)


def policy_busy_timeout(conn: apsw.Connection) -> None:
    conn.set_busy_timeout(BUSY_TIMEOUT_MS)


def policy_wal(conn: apsw.Connection) -> None:
    """WAL lets analysts read while a load writes; NORMAL sync is durable at each checkpoint."""
    conn.pragma("journal_mode", "wal")
    conn.pragma("synchronous", "normal")


def policy_wal_bound(conn: apsw.Connection) -> None:
    """Checkpoint policy: the WAL must not grow without bound while analysts read.

    After every commit that leaves more than ``WAL_AUTOCHECKPOINT_PAGES`` in the WAL, SQLite
    copies them back to the database (passively: readers are never blocked or waited for).
    Whenever the WAL then starts again from its beginning, the file is truncated to
    ``WAL_SIZE_LIMIT``, so its size stays near max(limit, largest transaction) instead of its
    high-water mark. Long jobs end with ``checkpoint``.
    """
    conn.pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
    conn.pragma("journal_size_limit", WAL_SIZE_LIMIT)


def checkpoint(conn: apsw.Connection) -> tuple[int, int, int]:
    """End-of-job checkpoint: copy the WAL into the database and truncate it to zero bytes.

    Waits at most ``CHECKPOINT_WAIT_MS`` for readers still using old WAL frames; if they do not
    finish, the checkpoint is left partial (the next one completes it) rather than failing the
    job. Returns SQLite's (busy, wal frames, frames checkpointed).
    """
    conn.set_busy_timeout(CHECKPOINT_WAIT_MS)
    try:
        return tuple(conn.execute("pragma wal_checkpoint(truncate)").fetchone())
    except apsw.BusyError:
        return (1, -1, -1)
    finally:
        conn.set_busy_timeout(BUSY_TIMEOUT_MS)


@contextmanager
def immediate(conn: apsw.Connection):
    """A write transaction that takes the write lock first (``begin immediate``), waiting up to the
    busy timeout for another writer. ``with conn:`` starts deferred: a transaction that reads before
    it writes fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT, no waiting) when
    another writer committed in between, e.g. ``make features`` while ``make load`` runs.
    Inside an open transaction it is a plain savepoint."""
    if conn.in_transaction:
        with conn:
            yield conn
        return
    conn.execute("begin immediate")
    try:
        yield conn
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("commit")


def policy_writer_cache(conn: apsw.Connection) -> None:
    """A 32 MiB page cache (SQLite's default is 2 MiB): a load transaction's pages stay in memory
    until commit, while peak memory stays bounded whatever the size of the database."""
    conn.pragma("cache_size", -32_768)


def policy_functions(conn: apsw.Connection) -> None:
    udf_registry.register(conn)


READ_POLICIES = (policy_foreign_keys, policy_busy_timeout, policy_functions)
WRITE_POLICIES = (policy_wal, policy_wal_bound, policy_writer_cache, *READ_POLICIES)


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
        if not conn.execute(render("queries/migrations/applied.sql")).fetchall():
            # the first writer has created _migrations but not yet committed the schema
            raise UserError(f"{where} has no tables yet (a first load is creating it, or was interrupted): "
                            f"wait for it, or run make load DATA=dir DB={where}")
        return conn
    if path.parent and not path.parent.exists():
        raise UserError(f"cannot create {where}: directory {path.parent} does not exist")
    conn = _open(where, apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE)
    for policy in WRITE_POLICIES:
        policy(conn)
    try:
        migrate(conn, where)
    except apsw.Error as exc:  # each migration is one transaction: the failed one left nothing behind
        done = schema.applied(conn)
        failed = next((m.name for m in schema.available() if m.name not in done), "a migration")
        raise UserError(f"cannot upgrade {where}: {failed} failed ({exc}) and was rolled back, the data is "
                        "as before: use the MiniBroker version that wrote this database, and report this") from exc
    sync_views(conn)
    return conn


def _open(where: str, flags: int) -> apsw.Connection:
    try:
        conn = apsw.Connection(where, flags=flags)
        policy_busy_timeout(conn)  # before the first read: a WAL reader may meet a writer's lock here
        conn.pragma("schema_version")  # reads the header: fails here on a file that is not SQLite
    except apsw.NotADBError:
        raise UserError(f"{where} is not a SQLite database: give another DB path") from None
    except apsw.CantOpenError:
        raise UserError(f"cannot open {where}: check the path and its permissions") from None
    return conn
