"""``make train``: cross-validate the candidates on the same splits, record them, store the fitted models.

Two evaluations per candidate (``model.repeated``): the exercise's single split —
``StratifiedKFold(n_splits=5, shuffle=False)`` over the labelled objects in objId (load) order, what
the original exercise's ``cross_val_score(model, X, y, cv=5)`` did — recorded fold by fold
(``cvAccuracy``/``cvBalancedAccuracy`` are its means), and repeated stratified 5-fold (10 repeats,
fixed seed: ``cvBalancedAccuracyMean`` ± ``cvBalancedAccuracyStd``, per-class recall, per-object
outcomes). Every candidate sees the same splits.

Choice rule: the best repeated-CV mean balanced accuracy (the single split's when ``repeats`` is 0);
ties (equal to 1e-12) go to the faster model: less predict time per object (what a broker spends on
every alert), then less fit time, then the candidate order. Each candidate is then fitted on all
training objects and stored (``store``), so prediction never retrains; all of it is written in one
transaction.
"""

import json
import time
from collections import Counter
from dataclasses import dataclass, field

import apsw
import numpy as np

from minibroker.core import step
from minibroker.core.db import immediate
from minibroker.core.errors import UserError
from minibroker.core.clock import utc_now
from minibroker.core.sqlfiles import render
from minibroker.model import candidates as cand
from minibroker.model import matrix, store
from minibroker.model.repeated import N_FOLDS, REPEATS, FoldScore, Repeated, evaluate, repeated_splits, single_split

TIE = 1e-12


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
    repeated: Repeated | None = None

    @property
    def cv_accuracy(self) -> float:
        return float(np.mean([f.accuracy for f in self.folds]))

    @property
    def cv_balanced_accuracy(self) -> float:
        return float(np.mean([f.balanced_accuracy for f in self.folds]))

    @property
    def score(self) -> float:
        """What the choice rule compares: the repeated-CV mean, else the single split's."""
        return self.repeated.mean if self.repeated is not None else self.cv_balanced_accuracy

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


def training_matrix(conn: apsw.Connection, dataset: str | None, features: list[str] | None = None,
                    n_folds: int = N_FOLDS, feature_set: str = matrix.DEFAULT_FEATURE_SET,
                    given: matrix.Matrix | None = None) -> matrix.Matrix:
    """The labelled objects with features, in objId order (``given``: the same rows computed
    elsewhere, e.g. on Spark); a UserError says what is missing."""
    m = given if given is not None else matrix.read(conn, matrix.FEATURE_SETS[feature_set], {"dataset": dataset})
    if len(m) == 0:
        raise UserError(_why_empty(conn, dataset))
    if feature_set != matrix.DEFAULT_FEATURE_SET:
        moments = matrix.feature_columns(conn, matrix.DEFAULT_FEATURE_SET)
        extra = [i for i, f in enumerate(m.features) if f not in moments]
        if extra and np.isnan(m.X[:, extra]).all():
            raise UserError(f"{_which(dataset)} has no {feature_set} features yet: "
                            f"run {matrix.FILLED_BY[feature_set]} first")
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
    """The exercise's stratified, unshuffled folds every candidate shares (rows in objId order)."""
    return single_split(y, n_folds)


def cross_validate(candidate: cand.Candidate, X: np.ndarray, y: np.ndarray, folds, splits=(),
                   jobs: int = 1) -> RunResult:
    scores, repeated = evaluate(candidate, X, y, folds, splits, jobs)
    return RunResult(candidate.name, cand.describe(candidate.build()), scores, repeated=repeated)


def choose(runs: list[RunResult]) -> RunResult:
    """Best repeated-CV balanced accuracy; ties go to less predict time per object, then less fit
    time, then order."""
    best = max(r.score for r in runs)
    tied = [r for r in runs if best - r.score <= TIE]
    return min(tied, key=lambda r: (r.predict_seconds_per_object, r.fit_seconds))


def train(conn: apsw.Connection, dataset: str | None = None, *, features: list[str] | None = None,
          models: list[str] | None = None, n_folds: int = N_FOLDS,
          feature_set: str = matrix.DEFAULT_FEATURE_SET, repeats: int = REPEATS, jobs: int | None = None,
          progress=None, given: matrix.Matrix | None = None) -> TrainingResult:
    """``progress(run)``, when given, is called as each candidate finishes (the CLI prints a line).
    ``given``: the training matrix computed elsewhere (``spark train``) instead of read here."""
    from minibroker.core.workers import default_jobs

    jobs = default_jobs() if jobs is None else jobs
    with step.snapshot(conn):  # the matrix and the objects' versions from one snapshot
        m = training_matrix(conn, dataset, features, n_folds, feature_set, given)
        seen = step.versions(conn, m.obj_ids)
        labels_seen = conn.execute(render("queries/model/labels_of.sql"), {"objIds": json.dumps(m.obj_ids)}).fetchall()
    X, y = m.X, m.y
    folds = make_folds(y, n_folds)
    splits = repeated_splits(y, n_folds, repeats)
    fold_of = np.empty(len(y), dtype=int)
    for k, (_, te) in enumerate(folds):
        fold_of[te] = k
    runs = []
    for candidate in cand.by_name(models):
        run = cross_validate(candidate, X, y, folds, splits, jobs)
        est = candidate.build()
        t0 = time.perf_counter()
        est.fit(X, y)
        run.final_fit_seconds = time.perf_counter() - t0
        run.params = cand.describe(est)
        run.classes = [int(c) for c in est.classes_]
        run.data, run.sha256 = store.dumps(est)
        runs.append(run)
        if progress is not None:
            progress(run)
    choose(runs).chosen = True

    now = utc_now()
    libs = json.dumps(store.libraries())
    feats = json.dumps(m.features)
    with immediate(conn):
        # core.step's guard, for the whole training set: a model fitted on objects whose photometry or
        # label a load changed (or that it deleted) meanwhile is not stored
        now_seen = step.versions(conn, m.obj_ids)
        labels_now = conn.execute(render("queries/model/labels_of.sql"), {"objIds": json.dumps(m.obj_ids)}).fetchall()
        if now_seen != seen or labels_now != labels_seen:
            changed = sum(1 for o in m.obj_ids if now_seen.get(o) != seen.get(o))
            raise UserError(f"the training set changed while the models were fitted ({changed} objects' photometry, "
                            "or labels): nothing was stored; run make train again")
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
                "libraries": libs, "modelSha256": run.sha256, "createdAt": now,
                **_repeated_columns(run.repeated)}).fetchone()[0]
            for f in run.folds:
                conn.execute(render("queries/model/insert_fold.sql"), {
                    "runId": run.run_id, "fold": f.fold, "nTrain": f.n_train, "nTest": f.n_test,
                    "accuracy": f.accuracy, "balancedAccuracy": f.balanced_accuracy,
                    "fitSeconds": f.fit_seconds, "predictSeconds": f.predict_seconds,
                    "params": None if f.params is None else json.dumps(f.params)})
            store.save(conn, run.run_id, run.data)
            if run.repeated is not None:
                _store_outcomes(conn, run, m.obj_ids, y)
    counts = {int(k): int(v) for k, v in sorted(Counter(y.tolist()).items())}
    return TrainingResult(training_id, dataset, len(m), m.features, counts, runs)


def _repeated_columns(rep: Repeated | None) -> dict:
    if rep is None:
        return {"cvRepeats": None, "cvBalancedAccuracyMean": None, "cvBalancedAccuracyStd": None, "cvRecall": None}
    return {"cvRepeats": rep.repeats, "cvBalancedAccuracyMean": rep.mean, "cvBalancedAccuracyStd": rep.std,
            "cvRecall": json.dumps({str(k): v for k, v in rep.recall.items()})}


def _store_outcomes(conn: apsw.Connection, run: RunResult, obj_ids: list[int], y: np.ndarray) -> None:
    rep = run.repeated
    sql = render("queries/model/insert_cv_outcome.sql")
    for i, obj_id in enumerate(obj_ids):
        if rep.n_tested[i] == 0:
            continue
        conn.execute(sql, {"runId": run.run_id, "objId": obj_id, "label": int(y[i]),
                           "nTested": int(rep.n_tested[i]), "nWrong": int(rep.n_wrong[i]),
                           "predictions": json.dumps({str(k): v for k, v in sorted(rep.predicted[i].items())})})
