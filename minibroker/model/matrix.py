"""The feature matrix, read from the ``trainingSet`` / ``objectFeatures`` views, and the missing-value rule.

No feature is computed here: the columns are those of the view (lcFeats), in view order.

The missing-value rule (the same at training and prediction time, because it is part of the
stored model):

1. ``to_float`` (stateless): NULL, NaN, +-inf and the -999 sentinel (a colour whose mean flux
   was not positive, see ``udf.stats.colour``) all become NaN.
2. ``missing_rule()`` (fitted, stored inside every model's pipeline): each NaN is replaced by the
   median of that column over the objects the model was fitted on, and one 0/1 indicator column
   ``<feature> is missing`` is appended for every column that had a missing value in the fitted
   data (sklearn ``SimpleImputer(strategy="median", add_indicator=True)``; a column missing for
   every object is imputed with 0). At prediction time the *stored* medians and indicator columns
   are applied; nothing is re-estimated from the data being predicted.

Inside cross-validation the rule is fitted on each fold's training part only.
"""

from dataclasses import dataclass

import apsw
import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer

from minibroker.core.sqlfiles import render
from minibroker.model.feature_sets import DEFAULT_FEATURE_SET, FEATURE_SETS, FEATURE_VIEWS, FILLED_BY  # noqa: F401 (re-exported)

ID_COLUMNS = ("objId", "dataset", "name", "label")

MISSING_SENTINEL = -999.0
MISSING_RULE = (
    "NULL, NaN, inf and -999 are missing; missing values take the median of the fitted objects "
    "(0 when a column is always missing) and a 0/1 indicator column is added for each column "
    "missing in the fitted data"
)


@dataclass
class Matrix:
    """Rows ordered as the query orders them; ``X`` holds raw view values (None -> NaN)."""

    obj_ids: list[int]
    datasets: list[str]
    names: list[str]
    labels: list[int | None]
    features: list[str]
    X: np.ndarray

    def __len__(self) -> int:
        return len(self.obj_ids)

    def select(self, features: list[str]) -> "Matrix":
        """The same rows with ``features`` only, in that order."""
        unknown = [f for f in features if f not in self.features]
        if unknown:
            from minibroker.core.errors import UserError

            raise UserError(f"unknown feature columns {', '.join(unknown)}: choose among {', '.join(self.features)}")
        idx = [self.features.index(f) for f in features]
        return Matrix(self.obj_ids, self.datasets, self.names, self.labels, list(features), self.X[:, idx])

    @property
    def y(self) -> np.ndarray:
        return np.array(self.labels, dtype=np.int64)

    @property
    def labelled(self) -> np.ndarray:
        return np.array([lab is not None for lab in self.labels], dtype=bool)


def read(conn: apsw.Connection, query: str, params: dict) -> Matrix:
    """Run the SQL file ``query`` (e.g. ``queries/model/training_matrix.sql``): rows with objId, dataset,
    name, label, then features."""
    cur = conn.execute(render(query), params)
    try:
        columns = [d[0] for d in cur.getdescription()]
    except apsw.ExecutionCompleteError:  # no rows at all
        return Matrix([], [], [], [], [], np.empty((0, 0)))
    return from_rows(columns, cur.fetchall(), query)


def from_rows(columns: list[str], rows: list, query: str = "the query") -> Matrix:
    """A Matrix of rows whose columns are objId, dataset, name, label, then features (``read``'s, or
    the same query's rows on Spark: ``minibroker.spark.train``)."""
    if tuple(columns[:len(ID_COLUMNS)]) != ID_COLUMNS:
        raise RuntimeError(f"{query}.sql must start with the columns {', '.join(ID_COLUMNS)}")
    features = columns[len(ID_COLUMNS):]
    frame = pd.DataFrame(rows, columns=columns)
    X = to_float(frame[features].to_numpy(dtype=object)) if rows else np.empty((0, len(features)))
    return Matrix(
        obj_ids=[int(v) for v in frame["objId"]],
        datasets=list(frame["dataset"]),
        names=list(frame["name"]),
        labels=[None if v is None or pd.isna(v) else int(v) for v in frame["label"]],
        features=features,
        X=X,
    )


def feature_columns(conn: apsw.Connection, feature_set: str) -> list[str]:
    """The feature columns of a feature set, from its view's schema (no rows are read)."""
    names = [r[0] for r in conn.execute(render("queries/model/view_columns.sql"),
                                        {"view": FEATURE_VIEWS[feature_set]})]
    return [n for n in names if n not in ID_COLUMNS]


def to_float(values) -> np.ndarray:
    """Step 1 of the rule: a float array where NULL, NaN, +-inf and -999 are all NaN."""
    X = np.array(values, dtype=float)  # numpy turns None into NaN
    X[~np.isfinite(X) | (X == MISSING_SENTINEL)] = np.nan
    return X


def to_sentinel(X) -> np.ndarray:
    """The exercise's input (the ``svm`` candidate): every missing value back to the -999 sentinel.

    ``to_float`` turned -999 into NaN; this turns it back, so on data without NULLs (the real
    training set) the SVM sees exactly the raw lcFeats values, -999 colours included. A NULL
    feature (a band without observations, which the exercise never had) becomes -999 too.
    """
    X = np.array(X, dtype=float)
    X[~np.isfinite(X)] = MISSING_SENTINEL
    return X


def missing_rule() -> SimpleImputer:
    """Step 2 of the rule, fitted with (and stored inside) each model."""
    return SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
