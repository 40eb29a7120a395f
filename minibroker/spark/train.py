"""``minibroker spark train``: ``make train`` on the features Spark computed from an export.

The training matrix is the query ``make train`` reads (``queries/model/training_matrix.sql`` over the
``trainingSet`` view), run on Spark SQL over the export with Spark's lcFeats (``spark features``);
the candidates, folds, seeds, choice and the model store are ``minibroker.model.train``'s, writing
into the database the export came from. The export must still be that database: every training
object's file must have the contentHash its features were computed from (``spark/stale_chunk.sql``,
import-features' check), and the store's own guard then holds from the read to the commit.
"""

import json
from pathlib import Path

from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render


def spark_matrix(spark, export_dir: Path, dataset: str | None):
    """(the training Matrix, the export's [objId, contentHash] of its objects) from Spark's results."""
    from minibroker.model import matrix
    from minibroker.spark.importer import results_dir
    from minibroker.spark.queries import prepare, run_sql

    export_dir = Path(export_dir)
    if not (results_dir(export_dir) / "lcFeats").is_dir():
        raise UserError(f"no Spark features in {export_dir}: run make spark-features PARQUET={export_dir} first")
    prepare(spark, export_dir)
    df = run_sql(spark, render("queries/model/training_matrix.sql"), {"dataset": dataset})
    frame = df.toPandas()
    rows = [tuple(None if v != v else v for v in r) for r in frame.itertuples(index=False, name=None)]
    m = matrix.from_rows(list(frame.columns), rows, "queries/model/training_matrix.sql")
    seen = {int(o): h for o, h in spark.read.parquet(str(results_dir(export_dir) / "seen")).select(
        "objId", "contentHash").toPandas().itertuples(index=False, name=None)}
    return m, [[o, seen.get(o)] for o in m.obj_ids]


def spark_train(spark, conn, export_dir: Path, dataset: str | None, **options):
    """Train as ``minibroker.model.train.train`` does, on the matrix of ``spark_matrix``."""
    from minibroker.model.train import train

    m, seen = spark_matrix(spark, export_dir, dataset)
    stale = [r[0] for r in conn.execute(render("spark/stale_chunk.sql"), {"seen": json.dumps(seen)})]
    if stale:
        raise UserError(f"the export is not this database: {len(stale)} training objects changed or are gone since "
                        f"(objId {', '.join(map(str, stale[:5]))}…): export again and rerun spark features")
    return train(conn, dataset, given=m, **options)
