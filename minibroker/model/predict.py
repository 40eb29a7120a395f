"""``make predict``: classify every object of a dataset with a stored model, into ``predictions``.

The run is the one given, else the model chosen by the most recent training. Nothing is refitted:
the stored pipeline (missing-value rule included) is loaded after its hash check. One row per
object and run holds the class, and per class a probability (rf, gb) or an SVM decision value
(svm, svmScaled: one-vs-rest, larger is more confident). Re-running deletes the run's rows for the
dataset and inserts the new ones in the same transaction: rows are replaced, never duplicated.

When objects of the dataset carry labels, the report compares them with the predictions.
"""

import json
import warnings
from collections import Counter
from dataclasses import dataclass

import apsw
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix

from minibroker.core import step
from minibroker.core.clock import utc_now
from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render
from minibroker.model import matrix, store


@dataclass
class Run:
    run_id: int
    training_id: int
    model: str
    dataset: str | None
    n_objects: int
    features: list[str]
    classes: list[int]


@dataclass
class PredictionReport:
    run: Run
    dataset: str
    n_objects: int
    distribution: dict[int, int]
    n_labelled: int = 0
    accuracy: float | None = None
    balanced_accuracy: float | None = None
    confusion: pd.DataFrame | None = None     # rows: true class, columns: predicted class
    in_training: int = 0                      # predicted objects the model was trained on
    stale: int = 0                            # objects changed meanwhile: not stored


def resolve_run(conn: apsw.Connection, run_id: int | None = None) -> Run:
    if run_id is None:
        row = conn.execute(render("queries/model/chosen_run.sql")).fetchone()
        if row is None:
            raise UserError("no model trained yet: run make train DB=... first")
        run_id = row[0]
    row = conn.execute(render("queries/model/run.sql"), {"runId": int(run_id)}).fetchone()
    if row is None:
        raise UserError(f"no run {run_id} in modelRuns: give a runId from the modelComparison view")
    rid, training_id, model, dataset, n, features, classes = row[:7]
    return Run(rid, training_id, model, dataset, n, json.loads(features), json.loads(classes))


def dataset_matrix(conn: apsw.Connection, dataset: str) -> matrix.Matrix:
    """Every object of ``dataset`` with the columns of every feature set (lcFeats and GP features);
    refuses a dataset whose objects lack features."""
    counts = {r[0]: r for r in conn.execute(render("queries/model/dataset_counts.sql"))}
    if dataset not in counts:
        raise UserError(f"no dataset {dataset!r} in the database: load it (make load) or name another with DATASET=")
    _, objects, with_features, _ = counts[dataset]
    if with_features < objects:
        raise UserError(f"{objects - with_features} of the {objects} objects of dataset {dataset!r} have no "
                        "features: run make features")
    return matrix.read(conn, "queries/model/dataset_matrix_gp.sql", {"dataset": dataset})  # every column a run may use


def _require_gp(conn: apsw.Connection, dataset: str, run: "Run") -> None:
    """A model trained with GP features needs them for the objects it predicts."""
    moments = set(matrix.feature_columns(conn, matrix.DEFAULT_FEATURE_SET))
    gp_only = set(matrix.feature_columns(conn, "gp")) - moments
    if not any(f in gp_only for f in run.features):
        return
    objects, with_gp = conn.execute(render("queries/model/gp_coverage.sql"), {"dataset": dataset}).fetchone()
    if with_gp < objects:
        raise UserError(f"run {run.run_id} uses GP features, but {objects - with_gp} of the {objects} objects of "
                        f"dataset {dataset!r} have none: run make gp DATASET={dataset}")


def scores_of(estimator, X: np.ndarray) -> tuple[str, np.ndarray]:
    """('probability' | 'decision', array n x classes) for a fitted classifier."""
    if hasattr(estimator, "predict_proba"):
        return "probability", estimator.predict_proba(X)
    d = estimator.decision_function(X)
    if d.ndim == 1:  # two classes: sklearn gives the score of classes_[1]
        d = np.column_stack([-d, d])
    return "decision", d


def classify(estimator, X: np.ndarray) -> tuple[np.ndarray, str, np.ndarray]:
    """(labels, kind, scores) of ``scores_of``, the model called once where it can be: a
    probabilistic classifier's ``predict`` is the class of its largest probability (so the labels are
    taken from the probabilities); others (SVC's decision values) are asked for both."""
    kind, scores = scores_of(estimator, X)
    if kind == "probability":
        labels = np.asarray(estimator.classes_)[np.argmax(scores, axis=1)]
    else:
        labels = estimator.predict(X)
    return labels, kind, scores


def predict(conn: apsw.Connection, dataset: str, run_id: int | None = None) -> PredictionReport:
    """Classify every object of ``dataset``. Predictions are stored only for objects whose photometry
    did not change while they were read and classified (``core.step``'s guard); ``stale`` counts the
    others, left without a prediction of this run until the next one."""
    run = resolve_run(conn, run_id)
    with step.snapshot(conn):
        m = dataset_matrix(conn, dataset)
        seen = step.versions(conn, m.obj_ids)
    missing = [f for f in run.features if f not in m.features]
    if missing:
        raise UserError(f"run {run.run_id} uses feature columns the database lacks ({', '.join(missing)}): retrain")
    m = m.select(run.features)
    _require_gp(conn, dataset, run)
    estimator = store.load(conn, run.run_id)
    labels, kind, scores = classify(estimator, m.X)
    classes = [int(c) for c in estimator.classes_]
    now = utc_now()
    rows = dict(zip(m.obj_ids, zip(labels.tolist(), scores.tolist())))

    def store_rows(conn, current, _):
        conn.execute(render("queries/model/delete_predictions.sql"),
                     {"runId": run.run_id, "objIds": json.dumps(current)})
        for obj_id in current:
            label, row = rows[obj_id]
            per_class = dict(zip(map(str, classes), row))
            conn.execute(render("queries/model/insert_prediction.sql"), {
                "objId": obj_id, "runId": run.run_id, "label": int(label), "score": per_class[str(int(label))],
                "scoreKind": kind, "scores": json.dumps(per_class), "predictedAt": now})

    stored = step.store_current(conn, store_rows, list(m.obj_ids), seen, None)
    report = PredictionReport(run, dataset, len(m), dict(sorted(Counter(int(v) for v in labels.tolist()).items())))
    report.stale = len(m) - stored
    report.in_training = conn.execute(render("queries/model/training_overlap.sql"),
                                      {"runId": run.run_id, "dataset": dataset}).fetchone()[0]
    known = m.labelled
    if known.any():
        truth = np.array([lab for lab in m.labels if lab is not None], dtype=np.int64)
        pred = labels[known].astype(np.int64)
        report.n_labelled = int(known.sum())
        report.accuracy = float(accuracy_score(truth, pred))
        with warnings.catch_warnings():  # a class predicted but absent from the labels is fine here
            warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
            report.balanced_accuracy = float(balanced_accuracy_score(truth, pred))
        order = sorted(set(truth.tolist()) | set(pred.tolist()))
        report.confusion = pd.DataFrame(confusion_matrix(truth, pred, labels=order),
                                        index=pd.Index(order, name="true"), columns=pd.Index(order, name="predicted"))
    return report
