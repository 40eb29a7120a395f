"""Connections: set-up as small named policies (after apsw's bestpractice), one ``connect`` for all.

Every connection the project opens has foreign keys on, a busy timeout and the SQL functions
given by the caller registered (``minibroker.database`` passes MiniBroker's own). Writer connections also use WAL and bring the schema up to date;
read-only connections refuse every write at the SQLite level.
"""

from collections.abc import Callable
import os
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import apsw

from minibroker.core import migrations as schema
from minibroker.core.errors import UserError
from minibroker.core.migrations import check_readable, migrate, sync_views
from minibroker.core.sqlfiles import render

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
    if conn.pragma("journal_mode") != "wal":  # switching needs the database to itself: only once
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


READ_POLICIES = (policy_foreign_keys, policy_busy_timeout)
WRITE_POLICIES = (policy_wal, policy_wal_bound, policy_writer_cache, *READ_POLICIES)


def connect(path: str | Path, *, readonly: bool = False,
            functions: Callable[[apsw.Connection], None] | None = None) -> apsw.Connection:
    """Open the database at ``path``; ``functions`` registers SQL functions on it (before any view
    is created, since views may call them).

    Writers create it if needed and apply pending migrations and views; readers need it to
    exist and get a read-only connection.
    """
    path = Path(path)
    where = str(path)
    if readonly:
        if not path.is_file():
            raise UserError(f"no database at {where}: load data first (make load DATA=dir DB={where})")
        conn = _open_reader(where)
        for policy in READ_POLICIES:
            policy(conn)
        if functions:
            functions(conn)
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
    if functions:
        functions(conn)
    try:
        migrate(conn, where)
    except apsw.Error as exc:  # each migration is one transaction: the failed one left nothing behind
        done = schema.applied(conn)
        failed = next((m.name for m in schema.available() if m.name not in done), "a migration")
        if isinstance(exc, apsw.FullError) or (isinstance(exc, apsw.IOError) and disk_full(where)):
            raise UserError(f"cannot upgrade {where}: the disk is full ({failed} was rolled back, the data is as "
                            "before): free space, then run this again") from exc
        if isinstance(exc, apsw.BusyError):
            raise UserError(f"cannot upgrade {where}: another writer kept it locked beyond the busy timeout "
                            f"({failed} not applied, the data is as before): run this again when it is done") from exc
        raise UserError(f"cannot upgrade {where}: {failed} failed ({exc}) and was rolled back, the data is "
                        "as before: use the MiniBroker version that wrote this database, and report this") from exc
    sync_views(conn)
    return conn


def disk_full(where: str | Path, room: int = 1024 * 1024) -> bool:
    """Whether the file system holding ``where`` has less than ``room`` bytes left: SQLite reports a
    full disk as SQLITE_FULL when a write fails, but as a plain I/O error when it cannot grow the
    -shm index or sync, so the space left decides what to tell the user."""
    try:
        st = os.statvfs(os.path.dirname(os.path.abspath(where)) or ".")
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < room


def _open_reader(where: str) -> apsw.Connection:
    """A read-only connection, also for a reader who cannot write the database's directory.

    A WAL database needs its ``-shm`` index, which SQLite creates beside the file. When it cannot
    (read-only mount, another user's directory) and no ``-wal`` file holds changes, the database
    file alone is the whole database: it is opened ``immutable`` (SQLite then takes no locks and
    reads only the file). A load that the owner starts meanwhile is not seen by this reader."""
    try:
        return _open(where, apsw.SQLITE_OPEN_READONLY, reraise=(apsw.ReadOnlyError, apsw.CantOpenError))
    except (apsw.ReadOnlyError, apsw.CantOpenError):
        pass
    wal = Path(f"{where}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise UserError(f"cannot read {where}: its directory is not writable for you and its -wal file holds "
                        "changes not yet in the database file: ask its owner to run any make load (which "
                        "ends with a checkpoint) or query a copy")
    uri = "file:" + urllib.parse.quote(str(Path(where).absolute())) + "?immutable=1"
    return _open(where, apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI, name=uri)


def _open(where: str, flags: int, *, reraise=(), name: str | None = None) -> apsw.Connection:
    try:
        conn = apsw.Connection(name or where, flags=flags)
        policy_busy_timeout(conn)  # before the first read: a WAL reader may meet a writer's lock here
        conn.pragma("schema_version")  # reads the header: fails here on a file that is not SQLite
    except reraise:
        raise
    except (apsw.FullError, apsw.IOError) as exc:
        if isinstance(exc, apsw.FullError) or disk_full(where):  # e.g. no room for the -shm index
            raise UserError(f"cannot open {where}: the disk holding it is full: free space, then run this "
                            "again (the data is kept)") from None
        raise
    except apsw.NotADBError:
        raise UserError(f"{where} is not a SQLite database: give another DB path") from None
    except apsw.CantOpenError:
        raise UserError(f"cannot open {where}: check the path and its permissions") from None
    return conn
