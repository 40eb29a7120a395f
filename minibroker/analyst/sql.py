"""Analyst SQL: a read-only connection whose authorizer refuses anything but reading.

Refused with a clear message: writes of any kind (also to temp tables), ATTACH/DETACH, VACUUM
INTO, load_extension, and PRAGMAs other than the read-only schema ones. Every statement can be
interrupted (Ctrl-C); a time limit (seconds) interrupts runaway queries on its own.

Saved selections live in ``sql/filters/NAME.sql``: one read-only query with ``:named``
parameters, run through the same connection. A line ``-- :name = value  description`` in the
file declares a parameter and its default; ``--param name=value`` overrides it.
"""

import re
import time
from pathlib import Path

import apsw
import apsw.ext
import apsw.shell

from minibroker.core.sqlfiles import SQL_DIR, render
from minibroker.database import connect
from minibroker.core.errors import UserError

FILTERS_DIR = SQL_DIR / "filters"

# PRAGMAs that only report; the ones taking an argument take a table/index name, never a setting
INFO_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list", "table_list",
})
VALUE_PRAGMAS = frozenset({
    "function_list", "collation_list", "pragma_list", "database_list", "compile_options", "user_version",
    "schema_version", "data_version", "page_count", "page_size", "freelist_count", "encoding",
    "foreign_keys", "journal_mode",
})
_ALLOWED = {apsw.SQLITE_SELECT, apsw.SQLITE_READ, apsw.SQLITE_RECURSIVE, apsw.SQLITE_TRANSACTION,
            apsw.SQLITE_SAVEPOINT}
_FILTER_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_PARAM_DECL = re.compile(r"^--\s*:(\w+)\s*=\s*(\S+)", re.MULTILINE)
_STREAM_FILTER = re.compile(r"^--\s*stream\s*:\s*true\s*$", re.MULTILINE)
READ_ONLY_HINT = "analyst SQL is read-only; change the database with the make targets (load, labels, features …)"


class Refused(UserError):
    pass


def _describe(code, arg1, arg2) -> str:
    what = apsw.mapping_authorizer_function.get(code, str(code)).removeprefix("SQLITE_").replace("_", " ")
    if code == apsw.SQLITE_PRAGMA:
        return f"setting PRAGMA {arg1} = {arg2}" if arg2 is not None else f"running PRAGMA {arg1}"
    if code == apsw.SQLITE_FUNCTION:
        return f"function {arg2}()"
    if code in (apsw.SQLITE_ATTACH, apsw.SQLITE_DETACH):
        return f"{what} {arg1 or ''}".strip()
    return f"{what} {arg1}" if arg1 else what


def authorizer(code, arg1, arg2, dbname, source):
    """The check SQLite runs while compiling each statement: reading only."""
    if code in _ALLOWED:
        return apsw.SQLITE_OK
    if code == apsw.SQLITE_FUNCTION and (arg2 or "").lower() != "load_extension":
        return apsw.SQLITE_OK
    if code == apsw.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in INFO_PRAGMAS or (name in VALUE_PRAGMAS and arg2 is None):
            return apsw.SQLITE_OK
    authorizer.last_denied = _describe(code, arg1, arg2)
    return apsw.SQLITE_DENY


authorizer.last_denied = None


class _Limit:
    """Interrupts a statement on Ctrl-C (always) and after ``seconds`` (when given)."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.start = time.monotonic()

    def tick(self) -> bool:  # a Python call every N VM steps also lets Ctrl-C's KeyboardInterrupt in
        return self.seconds is not None and time.monotonic() - self.start > self.seconds

    def reset(self, *_) -> bool:
        self.start = time.monotonic()
        return True


def open_readonly(db: str | Path, timeout: float | None = None) -> apsw.Connection:
    """A read-only connection with the authorizer, interruptible, with an optional time limit."""
    if timeout is not None and not timeout > 0:
        raise UserError(f"the time limit must be a positive number of seconds, not {timeout}: give TIMEOUT=seconds")
    conn = connect(db, readonly=True)
    conn.authorizer = authorizer
    set_time_limit(conn, timeout)
    return conn


def set_time_limit(conn: apsw.Connection, seconds: float | None) -> None:
    """Interrupt any statement still running ``seconds`` after it started (None: only on Ctrl-C)."""
    limit = _Limit(seconds)
    conn.set_progress_handler(limit.tick, 10_000)
    conn.exec_trace = lambda cursor, sql, bindings: limit.reset()


def run_query(db: str | Path, query: str, *, params: dict | None = None, timeout: float | None = None,
              prepare=None) -> str:
    """The result of ``query`` (named parameters from ``params``) formatted as a text table;
    ``prepare(conn)`` runs first (e.g. to fill a stream filter's temp tables)."""
    conn = open_readonly(db, timeout)
    if prepare is not None:
        prepare(conn)
    authorizer.last_denied = None
    try:
        return apsw.ext.format_query_table(conn, query, params or {}, null="NULL", text_width=120)
    except apsw.AuthError:
        what = authorizer.last_denied or "this statement"
        raise Refused(f"refused: {what} is not allowed: {READ_ONLY_HINT}") from None
    except apsw.ReadOnlyError:
        raise Refused(f"refused: {READ_ONLY_HINT}") from None
    except apsw.InterruptError:
        if timeout is None:
            raise KeyboardInterrupt from None
        raise UserError(f"query interrupted after the {timeout:g} s time limit: narrow it or raise TIMEOUT=") from None
    except KeyError as exc:
        raise UserError(f"the query uses parameter :{exc.args[0]} but no value was given: "
                        f"add --param {exc.args[0]}=value") from None
    except apsw.SQLError as exc:
        if authorizer.last_denied:  # e.g. "not authorized to use function: load_extension"
            raise Refused(f"refused: {authorizer.last_denied} is not allowed: {READ_ONLY_HINT}") from None
        raise UserError(f"SQL error: {exc}") from None
    finally:
        conn.close()


def filter_names() -> list[str]:
    return sorted(p.stem for p in FILTERS_DIR.glob("*.sql"))


def load_filter(name: str) -> tuple[str, dict[str, str]]:
    """(SQL text, declared parameter defaults) of the saved selection ``sql/filters/NAME.sql``."""
    path = FILTERS_DIR / f"{name}.sql"
    if not _FILTER_NAME.match(name) or not path.is_file():
        raise UserError(f"no saved selection {name!r}: choose one of {', '.join(filter_names()) or '(none)'} "
                        f"(files in {FILTERS_DIR})")
    sql = path.read_text()
    return sql, dict(_PARAM_DECL.findall(sql))


def parse_params(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip().lstrip(":")
        if not sep or not re.fullmatch(r"\w+", key):
            raise UserError(f"--param {pair!r}: give it as name=value")
        out[key] = value
    return out


def typed(value: str) -> int | float | str:
    """A parameter's value as SQLite should compare it: integer, real, else text."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def run_filter(db: str | Path, name: str, params: dict[str, str] | None = None, *,
               timeout: float | None = None) -> str:
    """Run the saved selection ``name`` with its defaults overridden by ``params``."""
    sql, defaults = load_filter(name)
    unknown = sorted(set(params or {}) - set(defaults))
    if unknown:
        takes = ", ".join(f"{k} (default {v})" for k, v in defaults.items()) or "no parameters"
        raise UserError(f"filter {name} has no parameter {unknown[0]!r}: it takes {takes}")
    values = {k: typed(v) for k, v in {**defaults, **(params or {})}.items()}
    prepare = None
    if _STREAM_FILTER.search(sql):  # a stream filter reads the batch's temp tables: all objects here
        prepare = all_objects_as_batch
    return run_query(db, sql, params=values, timeout=timeout, prepare=prepare)


def all_objects_as_batch(conn) -> None:
    """On an analyst connection: the batch tables with every object in ``batchObjects`` (no alerts),
    so a stream filter also runs as a saved selection (``make sql FILTER=name``)."""
    saved, conn.authorizer = conn.authorizer, None
    try:
        with conn:
            conn.execute(render("filtering/batch_tables.sql"))
            conn.execute(render("filtering/all_objects_as_batch.sql"))
            conn.execute(render("filtering/fill_phot_keys.sql"))
    finally:
        conn.authorizer = saved


class ReadOnlyShell(apsw.shell.Shell):
    """apsw's shell on the analyst connection, without the commands that would leave it."""

    def _refuse(self, cmd):
        raise self.Error(f"{cmd} is not available in the read-only analyst shell")

    def command_open(self, cmd):
        self._refuse(".open")

    def command_connection(self, cmd):
        self._refuse(".connection")

    def command_load(self, cmd):
        self._refuse(".load (extensions)")

    def command_restore(self, cmd):
        self._refuse(".restore")

    def command_py(self, cmd):
        self._refuse(".py")


def shell(db: str | Path, timeout: float | None = None) -> None:
    conn = open_readonly(db, timeout)
    sh = ReadOnlyShell(db=conn)
    sh.cmdloop(intro=f"MiniBroker read-only SQL on {db} (functions registered; .help, .quit)")
