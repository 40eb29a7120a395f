"""``minibroker spark``: features, saved filters and SQL on Apache Spark over an export.

``SPARK_MASTER`` selects local[N] (default local[2]) or a cluster URL."""

import sys
from pathlib import Path

from minibroker.core.errors import UserError


def add_arguments(sp) -> None:
    sub = sp.add_subparsers(dest="spark_command", required=True, metavar="ACTION")
    f = sub.add_parser("features", help="lcFeats from an export's lcBands; results go to PARQUET/features/",
                       description="compute lcFeats on Spark from an export; results go to PARQUET/features/")
    f.add_argument("parquet", help="export directory (minibroker export)")
    q = sub.add_parser("filter", help="run a saved selection sql/filters/NAME.sql on Spark SQL",
                       description="run a saved selection sql/filters/NAME.sql on Spark SQL over an export")
    q.add_argument("name", help="filter name (sql/filters/NAME.sql)")
    q.add_argument("--parquet", required=True, help="export directory (minibroker export)")
    q.add_argument("--param", action="append", metavar="KEY=VALUE", help="bind :KEY (repeatable)")
    q.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")
    s = sub.add_parser("sql", help="run one SQLite-dialect query on Spark SQL (views and functions available)",
                       description="run one SQLite-dialect query on Spark SQL over an export")
    s.add_argument("query", help="the SQL (SQLite dialect; transpiled)")
    s.add_argument("--parquet", required=True, help="export directory (minibroker export)")
    s.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")


def _export_dir(path: str) -> Path:
    p = Path(path)
    if not (p / "manifest.json").is_file():
        raise UserError(f"no export at {p} (no manifest.json): make export DB=… OUT={p} first")
    return p


def _analysis_error(exc) -> UserError:
    return UserError(f"Spark SQL: {' '.join(str(exc).split())[:300]}")


def run(args) -> int:
    from minibroker.analyst.sql import parse_params
    from minibroker.spark.session import get_session, master

    directory = _export_dir(args.parquet)
    spark = get_session()
    from pyspark.errors import AnalysisException

    if args.spark_command == "features":
        from minibroker.spark.features import compute

        r = compute(spark, directory)
        print(f"spark features {directory} on {master()}: {r.objects} objects, {r.bands} bands in "
              f"{r.seconds:.1f} s -> {r.out}")
        return 0
    from minibroker.spark.queries import prepare, run_filter, run_sql

    replaced = prepare(spark, directory)
    if replaced:
        print(f"(using Spark's {', '.join(replaced)} from {directory}/features)", file=sys.stderr)
    try:
        if args.spark_command == "filter":
            df = run_filter(spark, args.name, parse_params(args.param))
        else:
            df = run_sql(spark, args.query)
        print(df.limit(args.limit).toPandas().to_string(index=False))
    except AnalysisException as exc:
        raise _analysis_error(exc) from None
    return 0
