"""``minibroker import-features``: results of ``minibroker spark features`` back into the database."""

from pathlib import Path

from minibroker.core.errors import UserError


def add_arguments(sp) -> None:
    sp.add_argument("parquet", help="the export directory whose features/ results to import")


def run(args) -> int:
    from minibroker.database import connect

    from minibroker.core import datasets

    conn = connect(args.db)
    datasets.require(conn, None, args.db)
    try:
        from minibroker.spark.importer import import_features
    except ImportError:
        raise UserError("pyarrow is not installed: pip install -e '.[spark]'") from None
    if not Path(args.parquet).is_dir():
        raise UserError(f"no directory at {args.parquet}: give PARQUET=the export directory")
    result = import_features(conn, Path(args.parquet))
    print(f"import-features {args.parquet} -> {args.db}: {result.stored} objects stored, "
          f"{len(result.skipped)} skipped (file changed since the export) in {result.seconds:.1f} s")
    if result.skipped:
        shown = ", ".join(map(str, result.skipped[:10])) + (" ..." if len(result.skipped) > 10 else "")
        print(f"  skipped objIds: {shown}; make features computes them afresh")
    return 0
