"""``minibroker spark train``: make train on the features Spark computed from an export gives the same
training rows (folds, candidates, parameters, cross-validated scores, choice, repeated-CV outcomes)
as ``make train`` on the database itself; an export older than the database is refused."""

import shutil
from contextlib import closing

import pytest

from minibroker.app.cli import main
from minibroker.core.errors import UserError
from minibroker.database import connect
from spark_helpers import assert_same_rows, sqlite_rows

pytestmark = pytest.mark.spark

LATEST = "(select max(trainingId) from trainings)"
ROWS = {  # the newest training's rows, without times and ids
    "trainings": f"select dataset, nObjects, nFolds, features, missingRule from trainings where trainingId = {LATEST}",
    "trainingFolds": f"select objId, label, fold from trainingFolds where trainingId = {LATEST} order by objId",
    "modelRuns": ("select model, params, cvAccuracy, cvBalancedAccuracy, chosen, dataset, nObjects, features, classes,"
                  " cvRepeats, cvBalancedAccuracyMean, cvBalancedAccuracyStd, cvRecall"
                  f" from modelRuns where trainingId = {LATEST} order by runId"),
    "cvObjectOutcomes": ("select r.model, c.objId, c.label, c.nTested, c.nWrong, c.predictions from cvObjectOutcomes c"
                         f" join modelRuns r using (runId) where r.trainingId = {LATEST} order by r.runId, c.objId"),
}


@pytest.fixture(scope="module")
def featured_export(spark_world, spark, tmp_path_factory):
    from minibroker.spark.features import compute

    export = tmp_path_factory.mktemp("train") / "export"
    shutil.copytree(spark_world.export, export)
    compute(spark, export)
    return export


def test_spark_train_gives_the_rows_of_make_train(spark_world, spark, featured_export, tmp_path, capsys):
    sqlite_db, spark_db = tmp_path / "sqlite.db", tmp_path / "spark.db"
    shutil.copy(spark_world.db, sqlite_db)
    shutil.copy(spark_world.db, spark_db)
    assert main(["train", "--db", str(sqlite_db), "--dataset", "train", "--models", "rf,svm", "--repeats", "2",
                 "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["spark", "train", str(featured_export), "--db", str(spark_db), "--dataset", "train", "--models",
                 "rf,svm", "--repeats", "2", "--jobs", "1"]) == 0   # in this process: the shared session
    assert "on 100 labelled objects of train with Spark's features" in capsys.readouterr().out
    for table, sql in ROWS.items():
        _, want = sqlite_rows(sqlite_db, sql)
        _, got = sqlite_rows(spark_db, sql)
        assert len(want) > 0, table
        assert_same_rows(got, want, ordered=True, rtol=1e-9, what=table)


def test_an_export_older_than_the_database_is_refused(spark_world, spark, featured_export, tmp_path):
    from minibroker.spark.train import spark_train

    db = tmp_path / "changed.db"
    shutil.copy(spark_world.db, db)
    with closing(connect(db)) as conn:
        trainings = conn.execute("select count(*) from trainings").fetchone()[0]
        (obj,) = conn.execute("select min(objId) from trainingSet where dataset = 'train'").fetchone()
        conn.execute("update sourceFiles set contentHash = 'reloaded' where fileId = "
                     "(select fileId from objects where objId = ?)", (obj,))
        with pytest.raises(UserError, match=f"the export is not this database: 1 training objects .*objId {obj}"):
            spark_train(spark, conn, featured_export, "train", models=["rf"], repeats=0, jobs=1)
        assert conn.execute("select count(*) from trainings").fetchone()[0] == trainings   # nothing stored
