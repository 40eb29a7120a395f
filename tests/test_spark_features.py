"""Features on Spark (mapInArrow over lcBands with udf.batch) and MiniBroker's SQL functions
registered on Spark equal SQLite's."""

import shutil

import pytest

from spark_helpers import assert_same_rows, spark_rows, sqlite_rows

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def computed(spark_world, spark, tmp_path_factory):
    from minibroker.spark.features import compute

    export = tmp_path_factory.mktemp("features") / "export"
    shutil.copytree(spark_world.export, export)
    run = compute(spark, export)
    return export, run


def test_lcfeats_equal_sqlite_for_every_object(spark_world, spark, computed):
    export, run = computed
    cols, want = sqlite_rows(spark_world.db, "select * from lcFeats order by objId")
    df = spark.read.parquet(str(export / "features" / "lcFeats"))
    assert [c.lower() for c in df.columns] == [c.lower() for c in cols]
    got = [tuple(r) for r in df.orderBy("objId").collect()]
    assert run.objects == len(want) > 400
    assert_same_rows(got, want, ordered=True, rtol=1e-9, what="lcFeats")
    nulls = sum(v is None for r in want for v in r)
    assert nulls > 0  # the corpus and short curves give undefined features: NULL on both sides


def test_band_stats_equal_and_no_nan_reaches_spark(spark_world, spark, computed):
    export, _ = computed
    _, want = sqlite_rows(spark_world.db, "select objId, pb, n, wMean from lcBandStats order by objId, pb")
    df = spark.read.parquet(str(export / "features" / "lcBandStats"))
    assert_same_rows(spark_rows(df.orderBy("objId", "pb"))[1], want, ordered=True, what="lcBandStats")
    bands = spark.read.parquet(str(export / "features" / "bands"))
    bands.createOrReplaceTempView("checkBands")
    nan = spark.sql("select count(*) from checkBands where isnan(wmean) or isnan(std) or isnan(amp) "
                    "or isnan(mad) or isnan(beyond) or isnan(skew)").collect()[0][0]
    assert nan == 0


@pytest.mark.parametrize("name", ["stdev", "mad", "skew"])
def test_value_aggregates_on_spark_equal_sqlite(spark_world, spark, name):
    from minibroker.spark.queries import prepare, run_sql

    prepare(spark, spark_world.export, use_results=False)
    sql = f"select objId, pb, {name}(flux) as v from rawPhot group by objId, pb"
    _, want = sqlite_rows(spark_world.db, sql)
    assert_same_rows(spark_rows(run_sql(spark, sql))[1], want, ordered=False, what=name)


@pytest.mark.parametrize("name", ["weighted_mean", "norm_std", "norm_amplitude", "norm_mad", "beyond1std"])
def test_pair_aggregates_on_spark_equal_sqlite(spark_world, spark, name):
    from minibroker.spark.queries import prepare, run_sql

    prepare(spark, spark_world.export, use_results=False)
    sql = f"select objId, pb, {name}(flux, dflux) as v from rawPhot group by objId, pb"
    _, want = sqlite_rows(spark_world.db, sql)
    assert len(want) > 1000
    assert_same_rows(spark_rows(run_sql(spark, sql))[1], want, ordered=False, what=name)


def test_colour_scalar_on_spark_equals_sqlite(spark_world, spark):
    from minibroker.spark.queries import prepare, run_sql

    prepare(spark, spark_world.export, use_results=False)
    sql = ("select g.objId, colour(g.wMean, r.wMean) as c from lcBandStats as g "
           "join lcBandStats as r on r.objId = g.objId and r.pb = 'r' where g.pb = 'g'")
    _, want = sqlite_rows(spark_world.db, sql)
    assert any(v == -999.0 for _, v in want)
    assert_same_rows(spark_rows(run_sql(spark, sql))[1], want, ordered=False, what="colour")


def test_executor_code_imports_without_apsw_or_the_database_layer():
    import subprocess
    import sys

    code = ("import sys\nfor m in ('apsw', 'minibroker.core', 'minibroker.database'):\n    sys.modules[m] = None\n"
            "import minibroker.spark.kernels, minibroker.udf.functions\n"
            "import minibroker.spark.stream_kernels, minibroker.stream.decode\nprint('ok')\n")   # spark stream's
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_executors_need_only_numpy_pandas_pyarrow_not_minibroker(spark_world, tmp_path):
    """Cluster-ready: executors whose Python has numpy, pandas and pyarrow but not MiniBroker get
    the code from the zip the session ships (addPyFile), and compute the same features."""
    import importlib.metadata as md
    import os
    import subprocess
    import sys

    import pyarrow.parquet as pq

    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", str(bare)], check=True)
    py = str(bare / "bin" / "python")
    pins = [f"{p}=={md.version(p)}" for p in ("numpy", "pandas", "pyarrow")]
    subprocess.run([py, "-m", "pip", "install", "--quiet", *pins], check=True)
    probe = subprocess.run([py, "-c", "import minibroker"], capture_output=True, text=True, cwd=tmp_path)
    assert probe.returncode != 0 and "No module named 'minibroker'" in probe.stderr  # MiniBroker is not there
    export = tmp_path / "export"
    shutil.copytree(spark_world.export, export)
    env = {**os.environ, "PYSPARK_PYTHON": py, "SPARK_MASTER": "local[2]"}
    run = subprocess.run([sys.executable, "-m", "minibroker.app.cli", "spark", "features", str(export)],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    cols, want = sqlite_rows(spark_world.db, "select * from lcFeats order by objId")
    got = pq.read_table(export / "features" / "lcFeats").sort_by("objId")
    assert_same_rows([tuple(r.values()) for r in got.to_pylist()], want, ordered=True, what="lcFeats (bare executors)")
