"""Saved filters, views and analysts' SQL on Spark SQL (sqlglot) give SQLite's results; the known
silent differences (LIKE case and escapes, NULLs in multi-argument min/max, NaN) are rewritten or
refused."""

import pytest

from minibroker.core.sqlfiles import SQL_DIR
from minibroker.analyst.sql import load_filter, typed
from spark_helpers import assert_same_rows, spark_rows, sqlite_rows

pytestmark = pytest.mark.spark

ALL_FILTERS = sorted(p.stem for p in (SQL_DIR / "filters").glob("*.sql"))


def _spark_can_run(name: str) -> bool:
    """Stream filters read an ingesting connection's batch tables; json_each is SQLite's own: both are
    refused on Spark (tested below), every other saved selection must give SQLite's rows."""
    from minibroker.analyst.sql import STREAM_FILTER  # (not minibroker.spark: make test has no sqlglot)

    text = (SQL_DIR / "filters" / f"{name}.sql").read_text()
    return not STREAM_FILTER.search(text) and "json_each" not in text


FILTERS = [n for n in ALL_FILTERS if _spark_can_run(n)]
REFUSED_FILTERS = [n for n in ALL_FILTERS if not _spark_can_run(n)]
VIEWS = sorted(p.stem for p in (SQL_DIR / "views").glob("*.sql"))


@pytest.fixture(scope="module")
def prepared(spark_world, spark):
    from minibroker.spark.queries import prepare

    prepare(spark, spark_world.export, use_results=False)
    return spark_world


def _filter_sql(name, params):
    sql, defaults = load_filter(name)
    return sql, {k: typed(v) for k, v in {**defaults, **params}.items()}


@pytest.mark.parametrize("params", [{}, {"dataset": "corpus"}, {"dataset": "TR%"}, {"dataset": "s_m"},
                                    {"dataset": "Corpus\\%"}])
@pytest.mark.parametrize("name", FILTERS)
def test_saved_filters_on_spark_equal_sqlite(prepared, spark, name, params):
    from minibroker.spark.queries import run_filter

    sql, values = _filter_sql(name, params)
    if "dataset" in params and "dataset" not in values:
        pytest.fail(f"filter {name} lost its dataset parameter")
    want_cols, want = sqlite_rows(prepared.db, sql, values)
    got_cols, got = spark_rows(run_filter(spark, name, {k: str(v) for k, v in params.items()}))
    if want_cols:  # SQLite names the columns only when there is a row
        assert [c.lower() for c in got_cols] == [c.lower() for c in want_cols]
    assert_same_rows(got, want, ordered=True, what=f"{name} {params}")


def test_the_shipped_filters_are_checked_or_refused():
    assert {"rejects_by_reason", "bright_transients"} <= set(FILTERS) and "young_rising" in REFUSED_FILTERS


@pytest.mark.parametrize("name", REFUSED_FILTERS)
def test_filters_spark_cannot_run_are_refused_in_one_line(prepared, spark, name):
    from minibroker.core.errors import UserError
    from minibroker.spark.queries import run_filter

    with pytest.raises(UserError) as exc:
        run_filter(spark, name)
    assert len(str(exc.value).splitlines()) == 1


def test_filters_select_rows_in_the_mixed_case_dataset(prepared):
    """The LIKE rewrite is tested where it matters: 'corpus' matches the dataset 'Corpus' in SQLite."""
    sql, values = _filter_sql("rejects_by_reason", {"dataset": "corpus"})
    assert sqlite_rows(prepared.db, sql, values)[1]


@pytest.mark.parametrize("name", VIEWS)
def test_views_on_spark_equal_sqlite(prepared, spark, name):
    want_cols, want = sqlite_rows(prepared.db, f'select * from "{name}"')
    got_cols, got = spark_rows(spark.table(name))
    if want_cols:  # SQLite names the columns only when there is a row (the stream's views are empty here)
        assert [c.lower() for c in got_cols] == [c.lower() for c in want_cols]
    assert_same_rows(got, want, ordered=False, what=name)


STREAM_VIEWS = {"alertObjects", "earlyClassifications"}  # the Spark world holds no alerts yet (Spark streaming is not built)


def test_every_view_has_rows_so_the_comparison_means_something(prepared):
    empty = [v for v in VIEWS if not sqlite_rows(prepared.db, f'select * from "{v}" limit 1')[1]]
    assert empty == sorted(STREAM_VIEWS)


EDGE_ROWS = [("Train", None, 1.0), ("TRAIN", 2.0, None), ("träin", 3.0, 4.0), ("TRÄIN", None, None),
             ("a\\b", 5.0, 6.0), ("a_b", 7.0, 8.0), ("a%b", -1.0, 0.0), ("ab", 0.5, 0.25)]


@pytest.fixture(scope="module")
def edge(spark, db_edge):
    spark.createDataFrame(EDGE_ROWS, "s string, a double, b double").createOrReplaceTempView("edge")
    return db_edge


@pytest.fixture(scope="module")
def db_edge(tmp_path_factory):
    from minibroker.database import connect

    path = tmp_path_factory.mktemp("edge") / "edge.db"
    conn = connect(path)
    conn.execute("create table edge (s text, a real, b real)")
    conn.executemany("insert into edge values (?, ?, ?)", EDGE_ROWS)
    conn.close()
    return path


@pytest.mark.parametrize("pattern", ["train", "TRAIN", "tr%", "_rain", "träin", "TRÄIN", "a\\b", "a\\_b",
                                     "a\\%", "a_b", "a%b", "%", "", "A%B"])
def test_like_follows_sqlite_case_and_escape_rules(spark, edge, pattern):
    from minibroker.spark.queries import run_sql

    sql = "select s from edge where s like :p order by s"
    _, want = sqlite_rows(edge, sql, {"p": pattern})
    assert_same_rows(spark_rows(run_sql(spark, sql, {"p": pattern}))[1], want, ordered=True, what=pattern)


def test_multi_argument_min_max_propagate_null_as_sqlite(spark, edge):
    from minibroker.spark.queries import run_sql

    sql = "select s, max(a, b) as hi, min(a, b, 3.5) as lo, max(a) over () as m from edge order by s"
    _, want = sqlite_rows(edge, sql)
    assert any(r[1] is None for r in want) and any(r[1] is not None for r in want)
    assert_same_rows(spark_rows(run_sql(spark, sql))[1], want, ordered=True, what="min/max")


def test_ordering_with_undefined_values_matches_sqlite(spark, edge):
    """SQLite has no NaN: undefined is NULL, first in ascending order. Spark sees NULL too."""
    from minibroker.spark.queries import run_sql

    sql = "select s, a * b as p from edge order by p desc, s"
    _, want = sqlite_rows(edge, sql)
    assert_same_rows(spark_rows(run_sql(spark, sql))[1], want, ordered=True, what="order")


@pytest.mark.parametrize("sql", [
    "select sqrt(a) from edge",
    "select pow(a, 0.5) from edge",
    "select acos(a) from edge",
    "select a / b from edge",
    "select s from edge where s glob 'a*'",
    "select printf('%d', a) from edge",
])
def test_constructs_that_differ_silently_are_refused(sql):
    from minibroker.spark.transpile import Untranslatable, to_spark

    with pytest.raises(Untranslatable):
        to_spark(sql)


def test_division_with_a_real_side_is_allowed():
    from minibroker.spark.transpile import to_spark

    assert "/" in to_spark("select 1.0 * a / b from edge")[0]
    assert "/" in to_spark("select a / 2.0 from edge")[0]
    assert "/" in to_spark("select cast(a as real) / b from edge")[0]


def test_cli_spark_filter_prints_rows(prepared, capsys):
    from minibroker.app.cli import main

    assert main(["spark", "filter", "bright_transients", "--parquet", str(prepared.export),
                 "--param", "dataset=TRAIN", "--param", "minAmp=1"]) == 0
    out = capsys.readouterr().out
    assert "maxAmp" in out and "FAKE" in out
