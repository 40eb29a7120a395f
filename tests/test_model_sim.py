"""The model module on simulated light curves: three clearly different classes, labels in #label: headers."""

import pytest

from conftest import sql_for_test

from minibroker.core.sqlfiles import render
from minibroker.model import anomalies
from minibroker.model.predict import predict
from minibroker.model.train import train
from model_fixtures import sim_db


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    base = tmp_path_factory.mktemp("sim")
    conn = sim_db(base / "s.db", base, {
        "simtrain": {"n_per_class": 15, "seed": 1},
        "simnew": {"n_per_class": 8, "seed": 2, "prefix": "NEW", "outlier": True},
    })
    return conn, train(conn, "simtrain", repeats=2)


def test_training_separates_the_classes_reproducibly(sim):
    conn, result = sim
    assert result.n_objects == 45 and result.class_counts == {0: 15, 1: 15, 2: 15}
    assert result.chosen.cv_balanced_accuracy >= 0.9
    again = train(conn, "simtrain", models=["svm"])
    svm = next(r for r in result.runs if r.model == "svm")
    assert again.runs[0].cv_accuracy == svm.cv_accuracy
    assert [f.accuracy for f in again.runs[0].folds] == [f.accuracy for f in svm.folds]


def test_new_observations_are_predicted_against_their_hidden_labels(sim):
    conn, result = sim
    chosen = result.chosen.run_id
    report = predict(conn, "simnew", chosen)
    assert report.n_objects == 25                          # 24 labelled + the unlabelled outlier
    assert report.n_labelled == 24 and report.in_training == 0
    assert int(report.confusion.to_numpy().sum()) == 24
    assert report.accuracy >= 0.9
    rows = sql_for_test("prediction_counts")
    assert conn.execute(rows, {"runId": chosen, "dataset": "simnew"}).fetchone() == (25, 25)
    predict(conn, "simnew", chosen)
    assert conn.execute(rows, {"runId": chosen, "dataset": "simnew"}).fetchone() == (25, 25)
    # the training dataset's rows of the same run are not touched by predicting another dataset
    predict(conn, "simtrain", chosen)
    predict(conn, "simnew", chosen)
    assert conn.execute(rows, {"runId": chosen, "dataset": "simtrain"}).fetchone() == (45, 45)


def test_the_outlier_is_the_most_anomalous(sim):
    conn, _ = sim
    report = anomalies.score(conn, "simnew", top=3)
    assert report.top[0].name == "NEWOUT" and report.top[0].true_label is None
    table = anomalies.ranking(conn, "simnew")
    assert [a.score for a in table] == sorted((a.score for a in table), reverse=True)
    assert [a.name for a in report.top] == [a.name for a in table[:3]]
    # another dataset's ranking is its own
    anomalies.score(conn, "simtrain", top=3)
    assert len(anomalies.ranking(conn, "simnew")) == 25 and len(anomalies.ranking(conn, "simtrain")) == 45
