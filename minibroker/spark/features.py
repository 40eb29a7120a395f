"""``minibroker spark features``: lcFeats on Spark from an export, with the project's own kernel.

lcBands rows hold whole object-bands, so ``mapInArrow`` hands each Arrow batch of rows to
``udf.batch.band_features_batch`` (``minibroker.spark.kernels.band_features``) with no shuffle; the wide
lcFeats table is then ``features/wide.sql.j2`` on Spark SQL, the template SQLite uses. Results are
written beside the export under ``features/``: ``bands`` (per band, what ``import-features``
stores), ``seen`` (objId, contentHash: the guard), ``lcFeats`` and ``lcBandStats``.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from minibroker.spark.importer import results_dir
from minibroker.spark.kernels import OUTPUT_DDL, band_features
from minibroker.core.sqlfiles import render
from minibroker.spark.tables import register_export


@dataclass
class SparkFeatureRun:
    objects: int
    bands: int
    seconds: float
    out: Path
    phases: dict  # seconds per step: bands (kernel + write), seen, lcFeats, lcBandStats


def compute(spark, export_dir: Path) -> SparkFeatureRun:
    start = time.perf_counter()
    phases = {}

    def step(name, fn):
        t = time.perf_counter()
        fn()
        phases[name] = time.perf_counter() - t

    export_dir = Path(export_dir).resolve()
    register_export(spark, export_dir, tables=["lcBands", "objects", "sourceFiles"])
    out = results_dir(export_dir)
    inputs = spark.sql(render("spark/band_inputs.sql.j2"))
    bands = inputs.mapInArrow(band_features, OUTPUT_DDL)
    step("bands", lambda: bands.write.mode("overwrite").parquet(str(out / "bands")))
    spark.read.parquet(str(out / "bands")).createOrReplaceTempView("sparkBands")
    step("seen", lambda: spark.sql(render("spark/seen.sql")).write.mode("overwrite").parquet(str(out / "seen")))
    spark.read.parquet(str(out / "seen")).createOrReplaceTempView("sparkSeen")
    step("lcFeats", lambda: spark.sql(render("spark/lcfeats.sql.j2")).write.mode("overwrite").parquet(str(out / "lcFeats")))
    step("lcBandStats", lambda: spark.sql(render("spark/lcbandstats.sql")).write.mode("overwrite")
         .parquet(str(out / "lcBandStats")))
    n_objects = spark.read.parquet(str(out / "seen")).count()
    n_bands = spark.read.parquet(str(out / "bands")).count()
    return SparkFeatureRun(n_objects, n_bands, time.perf_counter() - start, out, phases)
