"""``minibroker serve``: the portal (datasette) on the loopback interface, read-only.

The database is opened ``mode=ro`` (not immutable): the portal reads the WAL, so it keeps serving,
and shows new rows, while ``make load`` or the stream writes. Every query, free SQL included, runs
under ``make sql``'s authorizer and a time limit.
"""

import asyncio
from pathlib import Path

from minibroker.core.commands import Command
from minibroker.core.errors import UserError
from minibroker.database import connect
from minibroker.core.sqlfiles import render
from minibroker.portal import DB_NAME, STATIC_DIR, TEMPLATES_DIR, metadata

DEFAULT_PORT = 8001
DEFAULT_TIMEOUT = 5.0       # seconds a page's query may run (datasette's sql_time_limit_ms)


def tables_and_columns(db: Path) -> dict[str, list[str]]:
    """Checked the way every reader is (the file is SQLite, has the schema), then its columns."""
    conn = connect(db, readonly=True)
    try:
        names = [r[0] for r in conn.execute(render("queries/portal/tables.sql"))]
        return {n: [c for c, in conn.execute(render("queries/portal/table_columns.sql"), {"table": n})] for n in names}
    finally:
        conn.close()


def make_app(db: str | Path, *, timeout: float = DEFAULT_TIMEOUT):
    """The datasette instance serving ``db`` with the portal plugin (startup already run)."""
    from datasette.app import Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    from minibroker.portal import plugin

    db = Path(db)
    if not timeout > 0:
        raise UserError(f"the time limit must be a positive number of seconds, not {timeout}: give TIMEOUT=seconds")
    meta = metadata.build(tables_and_columns(db))
    if pm.get_plugin("minibroker-portal") is None:
        pm.register(plugin, name="minibroker-portal")
    ds = Datasette(
        metadata=meta,
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[("portal-static", str(STATIC_DIR))],
        settings={
            "sql_time_limit_ms": int(timeout * 1000),
            "facet_time_limit_ms": 1000,
            "default_page_size": 50,
            "max_returned_rows": 5000,
            "allow_download": False,          # the database file itself is not offered
            "default_cache_ttl": 0,           # the data change while a loader writes
            "num_sql_threads": 3,
        },
    )
    ds.add_database(Database(ds, path=str(db.resolve()), is_mutable=True), name=DB_NAME)
    asyncio.run(ds.invoke_startup())
    return ds


def add_arguments(sp) -> None:
    sp.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port on 127.0.0.1 (default: {DEFAULT_PORT})")
    sp.add_argument("--host", default="127.0.0.1",
                    help="interface to listen on (default: 127.0.0.1, this machine only)")
    sp.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                    help=f"seconds any one query may run before it is stopped (default: {DEFAULT_TIMEOUT:g})")


def run(args) -> int:
    try:
        import datasette  # noqa: F401
        import uvicorn
    except ImportError:
        raise UserError("the portal needs its extra: pip install 'minibroker[portal]' (make serve does it)") from None

    from minibroker.core import datasets

    conn = connect(args.db, readonly=True)
    try:
        datasets.require(conn, None, args.db)   # an empty database: say so rather than serve nothing
    finally:
        conn.close()
    ds = make_app(args.db, timeout=args.timeout)
    print(f"MiniBroker portal on http://{args.host}:{args.port}/ (read-only view of {args.db}; Ctrl-C stops it)",
          flush=True)
    uvicorn.run(ds.app(), host=args.host, port=args.port, log_level="warning")
    return 0


COMMANDS = [
    Command("serve", "the web portal (datasette) on 127.0.0.1: object pages, lists, filters as forms, models, SQL",
            run, add_arguments, examples=("minibroker serve --db t.db --port 8001",)),
]
