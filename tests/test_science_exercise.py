"""The ``svm`` candidate is the original exercise, exactly: its number computed independently, with
plain scikit-learn and the standard library's sqlite3 reading the database file."""

import sqlite3

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

from minibroker.database import connect
from minibroker.model.train import train


def exercise_scores(path, scoring=None) -> np.ndarray:
    """What the exercise did: the raw lcFeats columns (-999 colours and all) of the labelled objects
    in objId order, ``SVC(C=1, gamma=0.1)``, ``cross_val_score(..., cv=5)``."""
    con = sqlite3.connect(path)
    try:
        cur = con.execute("select f.*, l.label from lcFeats as f join lcLabels as l using (objId) order by objId")
        columns = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    assert columns[0] == "objId" and columns[-1] == "label" and len(columns) == 25
    X = np.array([r[1:-1] for r in rows], dtype=float)
    y = np.array([r[-1] for r in rows])
    assert len(y) == 100 and np.isfinite(X).all() and (X == -999).any()   # raw: sentinels kept
    return cross_val_score(SVC(C=1, gamma=0.1), X, y, cv=5, scoring=scoring)


def test_svm_candidate_is_the_exercise_exactly(real_db, tmp_path):
    accuracy = exercise_scores(real_db)
    balanced = exercise_scores(real_db, "balanced_accuracy")
    work = tmp_path / "copy.db"
    work.write_bytes(real_db.read_bytes())
    conn = connect(work)
    try:
        svm = train(conn, models=["svm"]).runs[0]
    finally:
        conn.close()
    assert [f.accuracy for f in svm.folds] == accuracy.tolist()
    assert [f.balanced_accuracy for f in svm.folds] == balanced.tolist()
    assert svm.cv_accuracy == float(np.mean(accuracy))
    assert svm.cv_balanced_accuracy == float(np.mean(balanced))
    assert svm.cv_accuracy == pytest.approx(0.86, abs=1e-12)   # the exercise's own figure
