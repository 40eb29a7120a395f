"""Analyst SQL: a read-only connection whose authorizer refuses anything but reading.

Refused with a clear message: writes of any kind (also to temp tables), ATTACH/DETACH, VACUUM
INTO, load_extension, and PRAGMAs other than the read-only schema ones. Every statement can be
interrupted (Ctrl-C); a time limit (seconds) interrupts runaway queries on its own.

Saved selections live in ``sql/filters/NAME.sql``: one read-only query with ``:named``
parameters, run through the same connection. A line ``-- :name = value  description`` in the
file declares a parameter and its default; ``--param name=value`` overrides it.
"""

import io
import math
import re
import shlex
from pathlib import Path
from typing import TextIO

import apsw

from minibroker.core.sqlfiles import SQL_DIR, render
from minibroker.database import connect
from minibroker.core.errors import UserError
from minibroker.analyst.limits import DEFAULT_MEMORY_MB, MAX_VALUE_BYTES, Watchdog, cap_memory, cap_values
from minibroker.analyst.output import ResultWriter

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
STREAM_FILTER = re.compile(r"^--\s*stream\s*:\s*true\s*$", re.MULTILINE)
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


def open_readonly(db: str | Path, timeout: float | None = None) -> apsw.Connection:
    """A read-only connection with the authorizer and bounded values (the time limit is applied by
    :class:`broker.limits.Watchdog` around each use)."""
    check_timeout(timeout)
    conn = connect(db, readonly=True)
    conn.authorizer = authorizer
    cap_values(conn)
    return conn


def check_timeout(timeout: float | None) -> None:
    if timeout is not None and not (timeout > 0 and math.isfinite(timeout)):
        raise UserError(f"the time limit must be a positive number of seconds, not {timeout}: give TIMEOUT=seconds")


def run_query(db: str | Path, query: str, *, params: dict | None = None, timeout: float | None = None,
              out: TextIO | None = None, fmt: str = "table", prepare=None) -> str | None:
    """Run ``query`` (named parameters from ``params``) and write its rows to ``out`` as they come
    (``fmt``: table, csv or tsv). Without ``out``, returns the text instead. ``prepare(conn)`` runs
    first (e.g. to fill a stream filter's temp tables)."""
    buffer = io.StringIO() if out is None else None
    writer = ResultWriter(out or buffer, fmt)
    conn = open_readonly(db, timeout)
    if prepare is not None:
        prepare(conn)
    authorizer.last_denied = None
    try:
        with Watchdog(conn, timeout) as dog:
            try:
                cur = conn.cursor()
                state = {"new": True}

                def statement_starts(*_):
                    state["new"] = True
                    return dog.restart()

                cur.exec_trace = statement_starts
                for row in cur.execute(query, params or {}):
                    if state["new"]:
                        writer.start([d[0] for d in cur.get_description()])
                        state["new"] = False
                    writer.row(row)
                writer.finish(empty_note=True)
            except (apsw.InterruptError, KeyboardInterrupt):
                if dog.signalled or not dog.timed_out:
                    raise KeyboardInterrupt from None
                raise UserError(f"query interrupted after the {timeout:g} s time limit: narrow it or raise TIMEOUT=") from None
    except apsw.Error as exc:
        raise translate(exc) from None
    except (KeyError, MemoryError, OverflowError, TypeError) as exc:
        raise translate(exc) from None
    finally:
        conn.close()
    return buffer.getvalue() if buffer is not None else None


def translate(exc: BaseException) -> Exception:
    """The one-line error for what went wrong in an analyst's statement."""
    if isinstance(exc, apsw.AuthError) or (isinstance(exc, apsw.SQLError) and authorizer.last_denied):
        # e.g. "not authorized to use function: load_extension" is an SQLError
        what = authorizer.last_denied or "this statement"
        return Refused(f"refused: {what} is not allowed: {READ_ONLY_HINT}")
    if isinstance(exc, apsw.ReadOnlyError):
        return Refused(f"refused: {READ_ONLY_HINT}")
    if isinstance(exc, KeyError):
        return UserError(f"the query uses parameter :{exc.args[0]} but no value was given: "
                         f"add --param {exc.args[0]}=value")
    if isinstance(exc, apsw.BindingsError):
        if "no name" in str(exc):
            return UserError("the query has a positional parameter (?) : name it (:name) and give "
                             "--param name=value")
        return UserError(f"parameters do not fit the query ({exc}): give one --param name=value per :name")
    if isinstance(exc, (apsw.NoMemError, MemoryError)):
        return UserError(f"the query needs more memory than the {memory_budget()} MiB allowed: narrow it "
                         "(LIMIT, fewer columns, WHERE), or raise MEMORY=megabytes")
    if isinstance(exc, apsw.TooBigError):
        return UserError(f"a value the query builds is larger than {MAX_VALUE_BYTES // 2**20} MiB, the limit "
                         "for one string or blob: build smaller values")
    if isinstance(exc, apsw.MismatchError):
        return UserError("datatype mismatch: a value or parameter has the wrong type for where it is used "
                         "(e.g. LIMIT needs an integer): check the query and its --param values")
    if isinstance(exc, OverflowError):
        return UserError(f"a number does not fit SQLite's 64-bit integers or doubles ({exc}): check --param values")
    if isinstance(exc, apsw.SQLError):
        return UserError(f"SQL error: {exc}")
    if isinstance(exc, apsw.Error):
        return UserError(f"SQLite could not run the query ({type(exc).__name__}: {exc}): check the query and the database")
    return UserError(f"{type(exc).__name__}: {exc}")


_MEMORY = [DEFAULT_MEMORY_MB]


def memory_budget() -> int:
    return _MEMORY[0]


def limit_memory(megabytes: int | None) -> None:
    """Cap this process for analyst SQL (see :func:`broker.limits.cap_memory`)."""
    megabytes = DEFAULT_MEMORY_MB if megabytes is None else megabytes
    if not megabytes > 0:
        raise UserError(f"the memory budget must be a positive number of megabytes, not {megabytes}: give MEMORY=")
    _MEMORY[0] = megabytes
    cap_memory(megabytes)


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


def split_params(text: str | None) -> list[str]:
    """``PARAMS="a=1 name='two words'"`` -> ["a=1", "name=two words"] (shell-like quoting)."""
    if not text:
        return []
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UserError(f"PARAMS={text!r}: {exc}: quote values with spaces as name='two words'") from None


def parse_params(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip().lstrip(":")
        if not sep or not re.fullmatch(r"\w+", key):
            raise UserError(f"--param {pair!r}: give it as name=value")
        out[key] = value
    return out


_INT = re.compile(r"[+-]?[0-9]+")
_REAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def typed(value: str, name: str = "value") -> int | float | str:
    """A parameter's value as SQLite should compare it: a plain decimal integer binds as an integer,
    a plain decimal number as a real, anything else (``nan``, ``1_000``, ``FAKE001``) as text. A
    number SQLite cannot hold (beyond 64-bit integers, or overflowing a double) is an error."""
    text = value.strip()
    if _INT.fullmatch(text):
        number = int(text)
        if not -(2**63) <= number < 2**63:
            raise UserError(f"--param {name}={value}: beyond SQLite's 64-bit integers: give a smaller number")
        return number
    if _REAL.fullmatch(text):
        number = float(text)
        if not math.isfinite(number):
            raise UserError(f"--param {name}={value}: overflows a double: give a smaller number")
        return number
    return value


def run_filter(db: str | Path, name: str, params: dict[str, str] | None = None, *,
               timeout: float | None = None, out: TextIO | None = None, fmt: str = "table") -> str | None:
    """Run the saved selection ``name`` with its defaults overridden by ``params``."""
    sql, defaults = load_filter(name)
    unknown = sorted(set(params or {}) - set(defaults))
    if unknown:
        takes = ", ".join(f"{k} (default {v})" for k, v in defaults.items()) or "no parameters"
        raise UserError(f"filter {name} has no parameter {unknown[0]!r}: it takes {takes}")
    values = {k: typed(v, k) for k, v in {**defaults, **(params or {})}.items()}
    for key, value in values.items():
        if isinstance(typed(defaults[key], key), (int, float)) and not isinstance(value, (int, float)):
            raise UserError(f"--param {key}={value}: filter {name} takes a number here (default {defaults[key]})")
    prepare = None
    if STREAM_FILTER.search(sql):  # a stream filter reads the batch's temp tables: all objects here
        prepare = all_objects_as_batch
    return run_query(db, sql, params=values, timeout=timeout, out=out, fmt=fmt, prepare=prepare)


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
