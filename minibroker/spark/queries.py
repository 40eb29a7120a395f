"""Saved filters (``sql/filters``), views (``sql/views``) and analysts' SQL on Spark SQL, over an
export, after ``minibroker.spark.transpile``. Views become temporary views; where ``spark features`` has
written results beside the export, its lcFeats and lcBandStats replace the exported ones."""

from pathlib import Path

import sqlglot
from sqlglot import exp

from minibroker.core.sqlfiles import SQL_DIR
from minibroker.analyst.sql import STREAM_FILTER, load_filter, typed
from minibroker.core.errors import UserError
from minibroker.spark.functions import register_functions
from minibroker.spark.importer import results_dir
from minibroker.spark.tables import register_export
from minibroker.spark.transpile import Untranslatable, check_params, to_spark

VIEWS_DIR = SQL_DIR / "views"
FROM_RESULTS = ("lcFeats", "lcBandStats")


def prepare(spark, export_dir: Path, *, use_results: bool = True) -> list[str]:
    """Register the export's tables, MiniBroker's functions and every view; returns the tables taken
    from ``spark features`` results."""
    export_dir = Path(export_dir).resolve()
    register_export(spark, export_dir)
    replaced = []
    if use_results:
        for name in FROM_RESULTS:
            path = results_dir(export_dir) / name
            if path.is_dir():
                spark.read.parquet(str(path)).createOrReplaceTempView(name)
                replaced.append(name)
    register_functions(spark)
    register_views(spark)
    return replaced


def view_selects(directory: Path = VIEWS_DIR) -> dict[str, str]:
    """name -> the Spark SQL select of each view file (its ``create view … as`` body)."""
    out = {}
    for path in sorted(directory.glob("*.sql")):
        for tree in sqlglot.parse(path.read_text(), read="sqlite"):
            if isinstance(tree, exp.Create) and tree.kind == "VIEW":
                out[path.stem] = to_spark(tree.expression.sql(dialect="sqlite"))[0]
    return out


def register_views(spark) -> None:
    """Temp views in dependency order: a view whose inputs are missing waits for the next round."""
    from pyspark.errors import AnalysisException

    pending = view_selects()
    while pending:
        failed = {}
        for name, select in pending.items():
            try:
                spark.sql(select).createOrReplaceTempView(name)
            except AnalysisException as exc:
                failed[name] = exc
        if len(failed) == len(pending):
            name, exc = next(iter(failed.items()))
            raise UserError(f"view {name} does not run on Spark: {str(exc).splitlines()[0][:300]}")
        pending = {k: pending[k] for k in failed}


def run_sql(spark, sql: str, params: dict | None = None):
    """A Spark DataFrame for one SQLite query with :named parameters bound by Spark."""
    params = params or {}
    check_params(params)
    statements = to_spark(sql)
    if len(statements) != 1:
        raise Untranslatable(f"give one statement, not {len(statements)}")
    return spark.sql(statements[0], args=params)


def run_filter(spark, name: str, params: dict[str, str] | None = None):
    sql, defaults = load_filter(name)
    if STREAM_FILTER.search(sql):
        raise Untranslatable(f"filter {name} is a stream filter: it reads the batch tables of an ingesting "
                             "SQLite connection, which Spark does not have (run it with make sql FILTER=)")
    unknown = sorted(set(params or {}) - set(defaults))
    if unknown:
        raise UserError(f"filter {name} has no parameter {unknown[0]!r}: it takes {', '.join(defaults) or 'none'}")
    values = {k: typed(v) for k, v in {**defaults, **(params or {})}.items()}
    return run_sql(spark, sql, values)
