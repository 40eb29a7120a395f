"""Analyst SQL: a read-only connection whose authorizer refuses anything but reading.

Refused with a clear message: writes of any kind (also to temp tables), ATTACH/DETACH,
load_extension, and PRAGMAs other than a few read-only schema ones. A time limit (seconds)
interrupts runaway queries.
"""

import time
from pathlib import Path

import apsw
import apsw.ext

from broker.db import connect
from broker.errors import UserError

READ_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "function_list", "collation_list", "pragma_list", "database_list",
    "compile_options", "user_version", "schema_version", "data_version",
})
_ALLOWED = {apsw.SQLITE_SELECT, apsw.SQLITE_READ, apsw.SQLITE_RECURSIVE}


class Refused(UserError):
    pass


def authorizer(code, arg1, arg2, dbname, source):
    if code in _ALLOWED:
        return apsw.SQLITE_OK
    if code == apsw.SQLITE_FUNCTION:
        return apsw.SQLITE_DENY if (arg2 or "").lower() == "load_extension" else apsw.SQLITE_OK
    if code == apsw.SQLITE_PRAGMA and (arg1 or "").lower() in READ_PRAGMAS and arg2 is None:
        return apsw.SQLITE_OK
    if code in (apsw.SQLITE_TRANSACTION, apsw.SQLITE_SAVEPOINT):
        return apsw.SQLITE_OK
    return apsw.SQLITE_DENY


def open_readonly(db: str | Path, timeout: float | None = None) -> apsw.Connection:
    conn = connect(db, readonly=True)
    conn.authorizer = authorizer
    if timeout:
        set_time_limit(conn, timeout)
    return conn


def set_time_limit(conn: apsw.Connection, seconds: float) -> None:
    """Interrupt any statement still running ``seconds`` after it started."""
    state = {"stmt_start": None}

    def tick():
        now = time.monotonic()
        if state["stmt_start"] is None:
            state["stmt_start"] = now
        return now - state["stmt_start"] > seconds  # True aborts the statement

    def reset(*_):
        state["stmt_start"] = None
        return True

    conn.set_progress_handler(tick, 10_000)
    conn.exec_trace = lambda cursor, sql, bindings: reset()


def run_query(db: str | Path, query: str, *, timeout: float | None = None) -> str:
    """The result of ``query`` formatted as a text table."""
    conn = open_readonly(db, timeout)
    try:
        return apsw.ext.format_query_table(conn, query, null="NULL", text_width=120)
    except apsw.AuthError:
        raise Refused("refused: analyst SQL is read-only (no writes, ATTACH, extensions or PRAGMA changes); "
                      "use make targets to change the database") from None
    except apsw.InterruptError:
        raise UserError(f"query interrupted after the {timeout} s time limit: narrow it or raise TIMEOUT=") from None
    except apsw.SQLError as exc:
        raise UserError(f"SQL error: {exc}") from None
    finally:
        conn.close()
