"""The candidate models ``make train`` compares; all but ``svm`` start with the missing-value rule.

- ``svm``: the original exercise's choice, exactly: ``SVC(C=1, gamma=0.1)`` (RBF) on the raw, unscaled
  lcFeats values, -999 colours included (``matrix.to_sentinel``; no imputation, no indicators);
- ``rf``: a random forest of 25 trees;
- ``gb``: scikit-learn gradient boosting (100 depth-3 trees per class); not in the default set (about
  10x the cost of ``lgbm`` for no better score), ``--models gb`` still runs it;
- ``et``: extremely randomised trees, 300 of them (on the real set with the period features the best
  repeated-CV score we measured);
- ``lgbm``: LightGBM gradient-boosted trees set for small tabular data (shallow trees, small
  leaves, row and column subsampling, fixed seeds, deterministic, one thread);
- ``svmScaled``: standardised features and an RBF SVM whose C and gamma are tuned by an inner
  3-fold stratified grid search (unshuffled) on the training part of each fold, so the outer
  cross-validation score stays honest.

Seeds are fixed (``SEED``) and every fit runs on one core, so the same input gives the same numbers.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from sklearn.ensemble import ExtraTreesClassifier, GradientBoostingClassifier, RandomForestClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn.preprocessing import FunctionTransformer

from minibroker.model.matrix import missing_rule, to_sentinel

SEED = 0
# small on purpose: the search runs inside each of the 5 + 50 cross-validation fits (on the real set
# the 5x5 grid C 0.1..1000, gamma 1e-4..1 scored the same repeated-CV balanced accuracy at 3x the cost)
SVM_GRID = {"svc__C": [1.0, 10.0, 100.0], "svc__gamma": [0.01, 0.1, 1.0]}
INNER_FOLDS = 3


@dataclass(frozen=True)
class Candidate:
    name: str
    build: Callable[[], object]   # a fresh, unfitted estimator


def _svm():
    return Pipeline([("exercise", FunctionTransformer(to_sentinel)), ("svc", SVC(C=1.0, gamma=0.1, kernel="rbf"))])


def _rf():
    return Pipeline([("missing", missing_rule()),
                     ("rf", RandomForestClassifier(n_estimators=25, random_state=SEED, n_jobs=1))])


def _gb():
    return Pipeline([("missing", missing_rule()), ("gb", GradientBoostingClassifier(random_state=SEED))])


def _et():
    return Pipeline([("missing", missing_rule()),
                     ("et", ExtraTreesClassifier(n_estimators=300, random_state=SEED, n_jobs=1))])


def _lgbm():
    from lightgbm import LGBMClassifier

    return Pipeline([("missing", missing_rule()),
                     ("lgbm", LGBMClassifier(n_estimators=300, learning_rate=0.03, num_leaves=8,
                                             min_child_samples=5, subsample=0.8, subsample_freq=1,
                                             colsample_bytree=0.5, reg_lambda=1.0, random_state=SEED,
                                             deterministic=True, force_col_wise=True, n_jobs=1,
                                             verbose=-1))])


def _svm_scaled():
    pipe = Pipeline([("missing", missing_rule()), ("scale", StandardScaler()), ("svc", SVC(kernel="rbf"))])
    return GridSearchCV(pipe, SVM_GRID, cv=StratifiedKFold(n_splits=INNER_FOLDS, shuffle=False),
                        scoring="balanced_accuracy", n_jobs=1, refit=True)


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("svm", _svm),
    Candidate("rf", _rf),
    Candidate("gb", _gb),
    Candidate("svmScaled", _svm_scaled),
    Candidate("lgbm", _lgbm),
    Candidate("et", _et),
)
DEFAULT = ("svm", "rf", "svmScaled", "lgbm", "et")   # what make train compares without --models


def by_name(names: list[str] | None = None) -> list[Candidate]:
    known = {c.name: c for c in CANDIDATES}
    if not names:
        return [known[n] for n in DEFAULT]
    unknown = [n for n in names if n not in known]
    if unknown:
        from minibroker.core.errors import UserError

        raise UserError(f"unknown model {', '.join(unknown)}: choose among {', '.join(known)}")
    return [known[n] for n in names]


def describe(estimator) -> dict:
    """JSON-safe parameters: each pipeline step's own parameters, and what a grid search tuned."""
    out: dict = {}
    if isinstance(estimator, GridSearchCV):
        out["grid"] = estimator.param_grid
        out["innerFolds"] = INNER_FOLDS
        out["scoring"] = estimator.scoring
        if hasattr(estimator, "best_params_"):
            out["best"] = estimator.best_params_
        estimator = estimator.estimator
    steps = estimator.steps if isinstance(estimator, Pipeline) else [("model", estimator)]
    out["steps"] = {name: {"class": type(step).__name__, **_json_safe(step.get_params(deep=False))}
                    for name, step in steps}
    return out


def tuned(estimator) -> dict | None:
    """The hyperparameters a fitted grid search picked, else None."""
    return getattr(estimator, "best_params_", None)


def _json_safe(params: dict) -> dict:
    out = {}
    for key, value in params.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):  # objects, and NaN (not JSON): their repr
            value = repr(value)
        out[key] = value
    return out
