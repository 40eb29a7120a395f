"""The model module on the original exercise's 100 light curves (../shared/data)."""

import json

import numpy as np
import pytest

from conftest import sql_for_test
from sklearn.model_selection import StratifiedKFold, cross_val_score

from minibroker.database import connect
from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render
from minibroker.model import anomalies, store
from minibroker.model.candidates import by_name
from minibroker.model.predict import classify, predict
from minibroker.model.train import RunResult, FoldScore, choose, train, training_matrix
from model_fixtures import REAL, REAL_DIR, build_real_db


# the original exercise's SVC(C=1, gamma=0.1) on raw lcFeats, 5-fold stratified CV without shuffling, objId order
SVM_FOLDS = [0.90, 0.75, 0.85, 0.80, 1.00]
SVM_CV = 0.86


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    path = tmp_path_factory.mktemp("real") / "t.db"
    conn = build_real_db(path)
    return conn, path, train(conn, repeats=2)   # 10 repeats: tests/test_science_*.py


def runs_of(conn, training_id):
    return conn.execute(sql_for_test("training_runs"), {"trainingId": training_id}).fetchall()


def test_svm_cross_validation_reproduces_a_fixed_number(real):
    conn, _, first = real
    svm = next(r for r in first.runs if r.model == "svm")
    assert [f.accuracy for f in svm.folds] == pytest.approx(SVM_FOLDS)
    assert svm.cv_accuracy == pytest.approx(SVM_CV)
    # what the original exercise's cross_val_score(model, X, y, cv=5) gives on the same matrix
    m = training_matrix(conn, None)
    assert m.names == sorted(m.names)
    assert cross_val_score(by_name(["svm"])[0].build(), m.X, m.y, cv=5).tolist() == pytest.approx(SVM_FOLDS)
    # and again, in a new training
    again = train(conn, models=["svm"])
    assert again.runs[0].cv_accuracy == svm.cv_accuracy
    assert again.runs[0].cv_balanced_accuracy == svm.cv_balanced_accuracy


def test_every_candidate_is_deterministic(real):
    conn, _, first = real
    second = train(conn, repeats=2)
    for a, b in zip(first.runs, second.runs):
        assert a.model == b.model
        assert [(f.accuracy, f.balanced_accuracy, f.n_test) for f in a.folds] == \
               [(f.accuracy, f.balanced_accuracy, f.n_test) for f in b.folds]
        assert a.params == b.params
        assert a.repeated.scores == b.repeated.scores and a.repeated.recall == b.repeated.recall
    assert second.training_id > first.training_id


def test_classify_gives_each_candidates_own_predict(real):
    """classify() takes probabilistic models' labels from their probabilities (one model call, the
    stream's path): they must be exactly what the model's predict says, for every candidate."""
    conn, _, _ = real
    m = training_matrix(conn, None)
    for candidate in by_name([c for c in ("svm", "rf", "gb", "svmScaled", "lgbm", "et")]):
        estimator = candidate.build().fit(m.X[::2], m.y[::2])
        labels, kind, scores = classify(estimator, m.X)
        assert labels.tolist() == estimator.predict(m.X).tolist(), candidate.name
        assert scores.shape == (len(m.y), len(estimator.classes_))


def test_runs_are_recorded_with_one_chosen_by_the_rule(real):
    conn, _, result = real
    rows = runs_of(conn, result.training_id)
    assert [r[1] for r in rows] == ["svm", "rf", "svmScaled", "lgbm", "et"]
    assert sum(r[7] for r in rows) == 1
    best = max(r[8] for r in rows)                               # the repeated-CV mean
    chosen = next(r for r in rows if r[7] == 1)
    assert chosen[8] == pytest.approx(best)
    assert chosen[1] == choose(result.runs).model
    for row in rows:
        assert len(json.loads(row[4])) == 5                     # five fold accuracies beside each run
        assert row[5] > 0 and row[6] > 0                        # measured fit and predict times
    m = training_matrix(conn, None)
    expected = list(StratifiedKFold(5, shuffle=False).split(m.X, m.y))
    for fold, (_, te) in zip(result.runs[0].folds, expected):
        assert fold.n_test == len(te)


def _run(name, bacc, predict_s, fit_s):
    return RunResult(name, {}, [FoldScore(0, 4, 1, bacc, bacc, fit_s, predict_s)])


def test_choice_rule_prefers_balanced_accuracy_then_speed():
    assert choose([_run("a", 0.8, 1e-6, 1.0), _run("b", 0.9, 1.0, 1.0)]).model == "b"
    assert choose([_run("a", 0.9, 2e-6, 0.1), _run("b", 0.9, 1e-6, 5.0)]).model == "b"
    assert choose([_run("a", 0.9, 1e-6, 0.1), _run("b", 0.9, 1e-6, 5.0)]).model == "a"


def counts(conn, run_id):
    return conn.execute(sql_for_test("prediction_counts"), {"runId": run_id, "dataset": REAL}).fetchone()


def test_predictions_for_every_object_and_no_duplicates(real):
    conn, _, result = real
    report = predict(conn, REAL)
    chosen = conn.execute(render("queries/model/chosen_run.sql")).fetchone()[0]
    assert report.run.run_id == chosen
    assert counts(conn, chosen) == (100, 100)
    predict(conn, REAL)
    predict(conn, REAL, chosen)
    assert counts(conn, chosen) == (100, 100)
    svm = next(r.run_id for r in result.runs if r.model == "svm")
    predict(conn, REAL, svm)
    assert counts(conn, svm) == (100, 100) and counts(conn, chosen) == (100, 100)
    assert sum(report.distribution.values()) == 100


def test_confusion_matrix_adds_up_to_the_labelled_objects(real):
    conn, _, _ = real
    report = predict(conn, REAL)
    assert report.n_labelled == 100
    assert int(report.confusion.to_numpy().sum()) == 100
    diagonal = int(np.trace(report.confusion.to_numpy()))
    assert report.accuracy == pytest.approx(diagonal / 100)
    assert report.in_training == 100


def test_tampered_model_is_refused(real):
    conn, _, result = real
    run_id = result.chosen.run_id
    good = bytes(conn.execute(render("queries/model/load_model.sql"), {"runId": run_id}).fetchone()[3])
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF
    tamper = sql_for_test("tamper_model")
    with conn:
        conn.execute(tamper, {"runId": run_id, "bytes": bytes(bad)})
    try:
        with pytest.raises(UserError, match="hash check"):
            store.load(conn, run_id)
        with pytest.raises(UserError, match="hash check"):
            predict(conn, REAL, run_id)
    finally:
        with conn:
            conn.execute(tamper, {"runId": run_id, "bytes": good})
    assert store.load(conn, run_id) is not None


def test_anomaly_scores_are_ordered_and_the_top_is_the_table(real):
    conn, _, _ = real
    report = anomalies.score(conn, REAL, top=10)
    table = anomalies.ranking(conn, REAL)
    assert len(table) == 100 == report.n_objects
    assert [a.rank for a in table] == list(range(1, 101))
    scores = [a.score for a in table]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    assert [(a.rank, a.name, a.score) for a in report.top] == [(a.rank, a.name, a.score) for a in table[:10]]
    again = anomalies.score(conn, REAL, top=10)
    assert [(a.name, a.score) for a in anomalies.ranking(conn, REAL)] == [(a.name, a.score) for a in table]
    assert again.anomaly_run_id != report.anomaly_run_id


def test_views_read_by_the_stock_sqlite3(real):
    import sqlite3

    _, path, _ = real
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as plain:   # no MiniBroker functions
        for view in ("trainingSet", "modelComparison", "objectPredictions", "anomalyRanking"):
            plain.execute(f"select count(*) from {view}").fetchone()   # noqa: S608 (fixed names)
        assert plain.execute("select count(*) from trainingSet").fetchone()[0] == 100


# the command line, on a database of its own. The commands run through a parser holding only the
# model commands, so these tests do not depend on other packages' commands being importable.
COMMANDS = {"train": "minibroker.model.cli_train", "predict": "minibroker.model.cli_predict", "anomalies": "minibroker.model.cli_anomalies"}


def main(argv):
    """The real command line (minibroker.app.cli.main): UserError -> one line on stderr, exit 1."""
    from minibroker.app.cli import main as cli_main

    return cli_main(argv)


def test_model_commands_are_registered():
    from minibroker.app.cli import commands

    registered = {c.name: c.run.__module__ for c in commands()}
    assert {name: registered.get(name) for name in COMMANDS} == COMMANDS


@pytest.fixture
def real_path(tmp_path):
    build_real_db(tmp_path / "c.db").close()
    return tmp_path / "c.db"


def test_cli_train_predict_anomalies(real_path, capsys):
    db = str(real_path)
    assert main(["predict", "--db", db]) == 1
    assert "no model trained yet" in capsys.readouterr().err
    assert main(["train", "--db", db, "--models", "svm,rf"]) == 0
    out = capsys.readouterr().out
    assert "svm" in out and "rf" in out and "chosen: run" in out and "0.86" in out
    assert main(["predict", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "confusion matrix" in out and "100 objects" in out
    assert main(["anomalies", "--db", db, "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "top 3" in out and out.count("FAKE") == 3


def test_cli_user_errors(tmp_path, capsys):
    from minibroker.loader.load import list_files, load_files

    db = str(tmp_path / "e.db")
    conn = connect(db)
    load_files(conn, list_files(REAL_DIR), REAL, jobs=1, progress=False)
    assert main(["train", "--db", db]) == 1
    assert "make features" in capsys.readouterr().err
    assert main(["anomalies", "--db", db]) == 1
    assert "make features" in capsys.readouterr().err
    from minibroker.features.pipeline import compute

    compute(conn, progress=False)
    assert main(["train", "--db", db]) == 1
    assert "no labelled objects" in capsys.readouterr().err
    assert main(["train", "--db", db, "--dataset", "nope"]) == 1
    assert "no dataset 'nope'" in capsys.readouterr().err
