"""Cross-validation runs for ``make train``: the exercise's single split and repeated stratified k-fold.

The exercise's split (``StratifiedKFold(5)`` without shuffling, objects in objId order) is kept and
recorded fold by fold, but on 100 objects one object moves balanced accuracy by about 0.01, so one
split is noise. The model is chosen on ``RepeatedStratifiedKFold(n_splits=5, n_repeats=10,
random_state=CV_SEED)``: the mean and the sample standard deviation (ddof=1) of the 50 per-split
balanced accuracies; per-class recall and per-object outcomes are pooled over every split.

Every fit is independent and seeded, so the splits run in ``jobs`` processes (joblib) and the
numbers do not depend on ``jobs``.
"""

import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

from minibroker.model import candidates as cand

N_FOLDS = 5
REPEATS = 10
CV_SEED = 0


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
class Repeated:
    """Repeated stratified k-fold of one candidate."""

    repeats: int
    scores: list[float]                 # balanced accuracy per split
    recall: dict[int, float]            # per class, pooled over every split
    n_tested: np.ndarray                # per object: times it was in a test part
    n_wrong: np.ndarray                 # per object: times it was misclassified
    predicted: list[Counter] = field(default_factory=list)   # per object: class -> times

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def std(self) -> float:
        return float(np.std(self.scores, ddof=1)) if len(self.scores) > 1 else 0.0


def single_split(y: np.ndarray, n_folds: int = N_FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    """The exercise's stratified, unshuffled folds every candidate shares (rows in objId order)."""
    return list(StratifiedKFold(n_splits=n_folds, shuffle=False).split(np.zeros((len(y), 1)), y))


def repeated_splits(y: np.ndarray, n_folds: int = N_FOLDS, repeats: int = REPEATS):
    if repeats < 1:
        return []
    rskf = RepeatedStratifiedKFold(n_splits=n_folds, n_repeats=repeats, random_state=CV_SEED)
    return list(rskf.split(np.zeros((len(y), 1)), y))


def _fit_predict(candidate: cand.Candidate, X, y, tr, te):
    est = candidate.build()
    t0 = time.perf_counter()
    est.fit(X[tr], y[tr])
    t1 = time.perf_counter()
    pred = est.predict(X[te])
    t2 = time.perf_counter()
    return pred, t1 - t0, t2 - t1, cand.tuned(est)


def evaluate(candidate: cand.Candidate, X: np.ndarray, y: np.ndarray, folds, splits,
             jobs: int = 1) -> tuple[list[FoldScore], Repeated | None]:
    """Fit and test ``candidate`` on the single split ``folds`` and the repeated ``splits``."""
    tasks = list(folds) + list(splits)
    if jobs > 1 and len(tasks) > 1:
        out = Parallel(n_jobs=jobs)(delayed(_fit_predict)(candidate, X, y, tr, te) for tr, te in tasks)
    else:
        out = [_fit_predict(candidate, X, y, tr, te) for tr, te in tasks]
    scores = []
    for k, ((tr, te), (pred, fit_s, pred_s, params)) in enumerate(zip(folds, out)):
        scores.append(FoldScore(k, len(tr), len(te), float(accuracy_score(y[te], pred)),
                                float(balanced_accuracy_score(y[te], pred)), fit_s, pred_s, params))
    if not splits:
        return scores, None
    n_tested = np.zeros(len(y), dtype=int)
    n_wrong = np.zeros(len(y), dtype=int)
    predicted = [Counter() for _ in y]
    split_scores = []
    for (_, te), (pred, *_rest) in zip(splits, out[len(folds):]):
        split_scores.append(float(balanced_accuracy_score(y[te], pred)))
        n_tested[te] += 1
        n_wrong[te] += pred != y[te]
        for i, p in zip(te.tolist(), pred.tolist()):
            predicted[i][int(p)] += 1
    recall = {}
    for c in np.unique(y).tolist():
        rows = np.flatnonzero(y == c)
        recall[int(c)] = float(1 - n_wrong[rows].sum() / n_tested[rows].sum())
    return scores, Repeated(len(splits) // len(folds), split_scores, recall, n_tested, n_wrong, predicted)
