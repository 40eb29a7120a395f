"""``make anomalies``: rank a dataset's objects by IsolationForest anomaly score, into ``anomalies``.

The matrix is the dataset's feature matrix (every object, labelled or not) with the same
missing-value rule as the classifiers, here fitted on the dataset itself (the method is
unsupervised). The forest has a fixed seed, so the same input gives the same scores.
``score`` is ``-score_samples``: the anomaly score of Liu et al. (2008), in (0, 1], higher is
stranger; rank 1 is the most anomalous (ties broken by name). Re-running replaces the dataset's
previous anomaly run and its rows.
"""

import json
import time
from dataclasses import dataclass

import apsw
from sklearn.ensemble import IsolationForest
from sklearn.pipeline import Pipeline

from minibroker.core import step
from minibroker.core.errors import UserError
from minibroker.core.clock import utc_now
from minibroker.core.sqlfiles import render
from minibroker.model import matrix
from minibroker.model.predict import dataset_matrix
from minibroker.model.store import libraries

SEED = 0
N_TREES = 200


@dataclass
class Ranked:
    rank: int
    name: str
    true_label: int | None
    predicted: int | None
    score: float
    obj_id: int


@dataclass
class AnomalyReport:
    anomaly_run_id: int
    dataset: str
    n_objects: int
    seconds: float
    top: list[Ranked]
    stale: int = 0     # objects changed or deleted while they were ranked: not stored


def forest() -> Pipeline:
    return Pipeline([("missing", matrix.missing_rule()),
                     ("iforest", IsolationForest(n_estimators=N_TREES, random_state=SEED, n_jobs=1))])


def score(conn: apsw.Connection, dataset: str, *, top: int | None = 10,
          features: list[str] | None = None, feature_set: str = matrix.DEFAULT_FEATURE_SET) -> AnomalyReport:
    with step.snapshot(conn):
        m = dataset_matrix(conn, dataset)
        seen = step.versions(conn, m.obj_ids)
    if not features:
        features = matrix.feature_columns(conn, feature_set)
    if len(m) == 0:
        raise UserError(f"dataset {dataset!r} has no objects with features: run make features")
    if len(m) < 2:
        raise UserError(f"dataset {dataset!r} has one object: anomalies need at least two")
    if features:
        m = m.select(features)
    t0 = time.perf_counter()
    est = forest().fit(m.X)
    scores = -est.score_samples(m.X)
    seconds = time.perf_counter() - t0
    params = {"iforest": {k: v for k, v in est.named_steps["iforest"].get_params().items()
                          if isinstance(v, (int, float, str, bool, type(None)))},
              "missingRule": matrix.MISSING_RULE}
    index = {obj_id: i for i, obj_id in enumerate(m.obj_ids)}
    run_ids = []

    def store_ranking(conn, current, _):
        """Only the objects unchanged since they were read (``core.step``'s guard), ranked among themselves."""
        order = sorted((index[o] for o in current), key=lambda i: (-scores[i], m.names[i]))
        conn.execute(render("queries/model/delete_anomaly_run.sql"), {"dataset": dataset})
        run_id = conn.execute(render("queries/model/insert_anomaly_run.sql"), {
            "dataset": dataset, "model": "isolationForest", "params": json.dumps(params),
            "features": json.dumps(m.features), "libraries": json.dumps(libraries()), "nObjects": len(order),
            "seconds": seconds, "createdAt": utc_now()}).fetchone()[0]
        for rank, i in enumerate(order, 1):
            conn.execute(render("queries/model/insert_anomaly.sql"),
                         {"anomalyRunId": run_id, "objId": m.obj_ids[i], "score": float(scores[i]), "rank": rank})
        run_ids.append(run_id)

    stored = step.store_current(conn, store_ranking, list(m.obj_ids), seen, None)
    if not run_ids:
        raise UserError(f"every object of dataset {dataset!r} changed while it was ranked: run make anomalies again")
    return AnomalyReport(run_ids[0], dataset, stored, seconds, ranking(conn, dataset, top), stale=len(m) - stored)


def ranking(conn: apsw.Connection, dataset: str, top: int | None = None) -> list[Ranked]:
    """The stored ranking of ``dataset``, most anomalous first (all of it when ``top`` is None)."""
    rows = conn.execute(render("queries/model/anomaly_ranking.sql"), {"dataset": dataset, "top": top})
    return [Ranked(*row) for row in rows]
