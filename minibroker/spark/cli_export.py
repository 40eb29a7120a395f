"""``minibroker export``: the database's tables as Parquet plus a manifest (for Spark)."""

import sys
from pathlib import Path

from minibroker.core.errors import UserError


def add_arguments(sp) -> None:
    sp.add_argument("--out", required=True, help="a new (or empty) directory for the Parquet files and manifest.json")
    sp.add_argument("--table", action="append", metavar="NAME", help="export only this table (repeatable; default: all)")


def run(args) -> int:
    from minibroker.core import datasets
    from minibroker.database import connect

    conn = connect(args.db, readonly=True)     # the database first: its errors are the user's first concern
    datasets.require(conn, None, args.db)
    try:
        from minibroker.spark.export import export
        import pyarrow  # noqa: F401
    except ImportError:
        raise UserError("pyarrow is not installed: pip install -e '.[spark]'") from None
    result = export(conn, Path(args.out), tables=args.table,
                    progress=(lambda t, n: print(f"  {t}: {n:,} rows", file=sys.stderr)) if sys.stderr.isatty() else None)
    print(f"export {args.db} -> {args.out}: {result.summary()}")
    return 0
