"""``make train``: cross-validate the candidates on the same folds, record them, store the fitted models.

Folds: ``StratifiedKFold(n_splits=5, shuffle=False)`` over the labelled objects in objId (load) order —
what the original exercise's ``cross_val_score(model, X, y, cv=5)`` did for a classifier — computed
once and shared by every candidate. Per fold: accuracy, balanced accuracy, fit time and predict time
(``time.perf_counter``). ``cvAccuracy``/``cvBalancedAccuracy`` are the means over the folds.

Choice rule: the best cross-validated balanced accuracy; ties (equal to 1e-12) go to the faster
model: less predict time per object (what a broker spends on every alert), then less fit time, then
the candidate order. Each candidate is then fitted on all training objects and stored (``store``),
so prediction never retrains; all of it is written in one transaction.
"""

import json
import platform
import time
from collections import Counter
from dataclasses import dataclass, field

import apsw
import numpy as np
import pandas as pd
import scipy
import sklearn
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold

from broker.db import immediate
from broker.errors import UserError
from broker.migrations import utc_now
from broker.sqlfiles import render
from model import candidates as cand
from model import matrix, store

N_FOLDS = 5
TIE = 1e-12


@dataclass
class FoldScore:
    fold: int
    n_train: int
    n_test: int
    accuracy: float
    balanced_accuracy: float
    fit_seconds: float
    predict_seconds: float
    params: dict | None = None


@dataclass
class RunResult:
    model: str
    params: dict
    folds: list[FoldScore]
    final_fit_seconds: float = 0.0
    data: bytes = b""
    sha256: str = ""
    classes: list[int] = field(default_factory=list)
    run_id: int | None = None
    chosen: bool = False

    @property
    def cv_accuracy(self) -> float:
        return float(np.mean([f.accuracy for f in self.folds]))

    @property
    def cv_balanced_accuracy(self) -> float:
        return float(np.mean([f.balanced_accuracy for f in self.folds]))

    @property
    def fit_seconds(self) -> float:
        return float(np.mean([f.fit_seconds for f in self.folds]))

    @property
    def predict_seconds_per_object(self) -> float:
        return sum(f.predict_seconds for f in self.folds) / sum(f.n_test for f in self.folds)


@dataclass
class TrainingResult:
    training_id: int
    dataset: str | None
    n_objects: int
    features: list[str]
    class_counts: dict[int, int]
    runs: list[RunResult]

    @property
    def chosen(self) -> RunResult:
        return next(r for r in self.runs if r.chosen)


def libraries() -> dict[str, str]:
    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "pandas": pd.__version__, "scikit-learn": sklearn.__version__, "sqlite": apsw.sqlite_lib_version()}


def training_matrix(conn: apsw.Connection, dataset: str | None, features: list[str] | None = None,
                    n_folds: int = N_FOLDS, feature_set: str = matrix.DEFAULT_FEATURE_SET) -> matrix.Matrix:
    """The labelled objects with features, in objId order; a UserError says what is missing."""
    m = matrix.read(conn, matrix.FEATURE_SETS[feature_set], {"dataset": dataset})
    if len(m) == 0:
        raise UserError(_why_empty(conn, dataset))
    if feature_set != matrix.DEFAULT_FEATURE_SET:
        moments = matrix.feature_columns(conn, matrix.DEFAULT_FEATURE_SET)
        extra = [i for i, f in enumerate(m.features) if f not in moments]
        if extra and np.isnan(m.X[:, extra]).all():
            raise UserError(f"{_which(dataset)} has no {feature_set} features yet: run make {feature_set} first")
    if features:
        m = m.select(features)
    counts = Counter(m.labels)
    if len(counts) < 2:
        raise UserError(f"{_which(dataset)} has labelled objects of one class only ({next(iter(counts))}): "
                        "a classifier needs at least two; label more objects (make labels LABELS=...)")
    rare = {lab: n for lab, n in counts.items() if n < n_folds}
    if rare:
        shown = ", ".join(f"class {lab}: {n}" for lab, n in sorted(rare.items()))
        raise UserError(f"{_which(dataset)}: {n_folds}-fold stratified cross-validation needs at least "
                        f"{n_folds} labelled objects per class ({shown}): label more objects")
    return m


def _which(dataset: str | None) -> str:
    return f"dataset {dataset!r}" if dataset else "the database"


def _why_empty(conn: apsw.Connection, dataset: str | None) -> str:
    rows = conn.execute(render("queries/model/dataset_counts.sql")).fetchall()
    if dataset is not None:
        rows = [r for r in rows if r[0] == dataset]
        if not rows:
            return f"no dataset {dataset!r} in the database: load it (make load) or name another with DATASET="
    objects = sum(r[1] for r in rows)
    with_features = sum(r[2] for r in rows)
    if objects == 0:
        return "the database holds no objects: run make load DATA=dir first"
    if with_features == 0:
        return f"{_which(dataset)} has no features: run make features"
    return (f"{_which(dataset)} has no labelled objects with features: load labels "
            "(make labels LABELS=file.csv, or #label: headers) and run make features")


def make_folds(y: np.ndarray, n_folds: int = N_FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """The stratified, unshuffled folds every candidate shares (rows already in objId order)."""
    return list(StratifiedKFold(n_splits=n_folds, shuffle=False).split(np.zeros((len(y), 1)), y))


def cross_validate(candidate: cand.Candidate, X: np.ndarray, y: np.ndarray, folds) -> RunResult:
    scores = []
    for k, (tr, te) in enumerate(folds):
        est = candidate.build()
        t0 = time.perf_counter()
        est.fit(X[tr], y[tr])
        t1 = time.perf_counter()
        pred = est.predict(X[te])
        t2 = time.perf_counter()
        scores.append(FoldScore(k, len(tr), len(te), float(accuracy_score(y[te], pred)),
                                float(balanced_accuracy_score(y[te], pred)), t1 - t0, t2 - t1,
                                cand.tuned(est)))
    return RunResult(candidate.name, cand.describe(candidate.build()), scores)


def choose(runs: list[RunResult]) -> RunResult:
    """Best cv balanced accuracy; ties go to less predict time per object, then less fit time, then order."""
    best = max(r.cv_balanced_accuracy for r in runs)
    tied = [r for r in runs if best - r.cv_balanced_accuracy <= TIE]
    return min(tied, key=lambda r: (r.predict_seconds_per_object, r.fit_seconds))


def train(conn: apsw.Connection, dataset: str | None = None, *, features: list[str] | None = None,
          models: list[str] | None = None, n_folds: int = N_FOLDS,
          feature_set: str = matrix.DEFAULT_FEATURE_SET) -> TrainingResult:
    m = training_matrix(conn, dataset, features, n_folds, feature_set)
    X, y = m.X, m.y
    folds = make_folds(y, n_folds)
    fold_of = np.empty(len(y), dtype=int)
    for k, (_, te) in enumerate(folds):
        fold_of[te] = k
    runs = []
    for candidate in cand.by_name(models):
        run = cross_validate(candidate, X, y, folds)
        est = candidate.build()
        t0 = time.perf_counter()
        est.fit(X, y)
        run.final_fit_seconds = time.perf_counter() - t0
        run.params = cand.describe(est)
        run.classes = [int(c) for c in est.classes_]
        run.data, run.sha256 = store.dumps(est)
        runs.append(run)
    choose(runs).chosen = True

    now = utc_now()
    libs = json.dumps(libraries())
    feats = json.dumps(m.features)
    with immediate(conn):
        training_id = conn.execute(render("queries/model/insert_training.sql"), {
            "dataset": dataset, "nObjects": len(m), "nFolds": n_folds, "features": feats,
            "missingRule": matrix.MISSING_RULE, "createdAt": now}).fetchone()[0]
        for obj_id, label, k in zip(m.obj_ids, y.tolist(), fold_of.tolist()):
            conn.execute(render("queries/model/insert_training_fold.sql"),
                         {"trainingId": training_id, "objId": obj_id, "label": label, "fold": k})
        for run in runs:
            run.run_id = conn.execute(render("queries/model/insert_run.sql"), {
                "trainingId": training_id, "model": run.model, "params": json.dumps(run.params),
                "cvAccuracy": run.cv_accuracy, "cvBalancedAccuracy": run.cv_balanced_accuracy,
                "fitSeconds": run.fit_seconds, "predictSecondsPerObject": run.predict_seconds_per_object,
                "finalFitSeconds": run.final_fit_seconds, "chosen": int(run.chosen), "dataset": dataset,
                "nObjects": len(m), "features": feats, "classes": json.dumps(run.classes),
                "libraries": libs, "modelSha256": run.sha256, "createdAt": now}).fetchone()[0]
            for f in run.folds:
                conn.execute(render("queries/model/insert_fold.sql"), {
                    "runId": run.run_id, "fold": f.fold, "nTrain": f.n_train, "nTest": f.n_test,
                    "accuracy": f.accuracy, "balancedAccuracy": f.balanced_accuracy,
                    "fitSeconds": f.fit_seconds, "predictSeconds": f.predict_seconds,
                    "params": None if f.params is None else json.dumps(f.params)})
            store.save(conn, run.run_id, run.data)
    counts = {int(k): int(v) for k, v in sorted(Counter(y.tolist()).items())}
    return TrainingResult(training_id, dataset, len(m), m.features, counts, runs)
