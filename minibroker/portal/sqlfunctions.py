"""MiniBroker's SQL functions and read-only rules on the stdlib ``sqlite3`` connections datasette
opens: the same classes and authorizer as ``udf.register`` and ``make sql`` (apsw), adapted, so
the math and the rules live in one place each.

sqlite3 wants ``finalize`` where apsw's aggregates have ``final``; the authorizer's action codes
and return values are SQLite's own integers in both libraries.
"""

import sqlite3
from functools import lru_cache

from minibroker.udf import registry as udf
from minibroker.analyst import sql as analyst


@lru_cache(maxsize=None)
def _sqlite3_aggregate(cls):
    """The apsw aggregate class ``cls`` with the method name stdlib sqlite3 calls at the end."""
    return type(cls.__name__, (cls,), {"finalize": cls.final})


@lru_cache(maxsize=None)
def filter_defaults(name: str) -> dict[str, str]:
    return analyst.load_filter(name)[1]


def filter_param(filter_name: str, param: str, value):
    """A saved selection's parameter as ``make sql FILTER=`` binds it: an empty form field takes
    the default declared in the file, numbers bind as numbers (forms send text)."""
    if value is None or value == "":
        value = filter_defaults(filter_name).get(param, "")
    return analyst.typed(value) if isinstance(value, str) else value


def register(conn: sqlite3.Connection) -> None:
    """Every function of ``udf``'s registry, plus ``portal_filter_param`` for the filter forms."""
    for name, (cls, nargs) in udf.AGGREGATES.items():
        conn.create_aggregate(name, nargs, _sqlite3_aggregate(cls))
    for name, (fn, nargs) in udf.SCALARS.items():
        conn.create_function(name, nargs, fn, deterministic=True)
    conn.create_function("portal_filter_param", 3, filter_param, deterministic=True)


def read_only(conn: sqlite3.Connection) -> None:
    """``make sql``'s authorizer: reading only (no writes, ATTACH, load_extension, PRAGMA changes)."""
    conn.set_authorizer(analyst.authorizer)
