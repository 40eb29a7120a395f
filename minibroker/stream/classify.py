"""Classify the objects a batch changed with the chosen model, inside the batch's transaction.

The model is the one ``make predict`` would use (the chosen run of the latest training), loaded once
per run id after its hash check (model/store.py). Each classification replaces the object's row in
``predictions`` for that run (what existing readers see) and is appended to ``predictionHistory``
with its time and the number of photometry points it saw.
A model trained on GP or period features is not used here: the stream computes lcFeats per batch,
not GPs or periodograms (make gp and make features fill those later).
"""

from __future__ import annotations

import json

import apsw
import numpy as np

from minibroker.core.sqlfiles import render
from minibroker.model import matrix, store
from minibroker.model.predict import classify, resolve_run


class Classifier:
    def __init__(self):
        self._run_id = None
        self._estimator = None
        self._run = None
        self.note: str | None = None      # why nothing is classified, once

    def _current(self, conn: apsw.Connection):
        row = conn.execute(render("queries/model/chosen_run.sql")).fetchone()
        if row is None:
            self.note = "no model trained yet: objects are stored and get features, not classes (make train)"
            return None
        if row[0] != self._run_id:
            run = resolve_run(conn, row[0])
            per_batch = set(matrix.feature_columns(conn, "moments"))  # lcFeats: what each batch computes
            if not set(run.features) <= per_batch:
                self.note = (f"the chosen model (run {run.run_id}) uses features the stream does not compute per "
                             "batch (GP or period features): train one with FEATURE_SET=moments to classify alerts")
                self._run_id, self._run, self._estimator = row[0], None, None
                return None
            self._run_id, self._run, self._estimator = row[0], run, store.load(conn, run.run_id)
            self.note = None
        return self._run

    def classify(self, conn: apsw.Connection, now: str) -> int:
        """Classify temp.touched; returns how many objects were classified."""
        run = self._current(conn)
        if run is None:
            return 0
        cur = conn.execute(render("stream/classify_matrix.sql"))
        try:
            columns = [d[0] for d in cur.getdescription()]
        except apsw.ExecutionCompleteError:
            return 0
        rows = cur.fetchall()
        if not rows:
            return 0
        idx = [columns.index(f) for f in run.features]
        X = matrix.to_float([[r[i] for i in idx] for r in rows])
        obj_ids = [int(r[0]) for r in rows]
        labels, kind, scores = classify(self._estimator, X)
        classes = [str(int(c)) for c in self._estimator.classes_]
        params = []
        for obj_id, label, row in zip(obj_ids, labels.tolist(), np.asarray(scores).tolist()):
            per_class = dict(zip(classes, row))
            params.append({"objId": obj_id, "runId": run.run_id, "label": int(label),
                           "score": per_class[str(int(label))], "scoreKind": kind,
                           "scores": json.dumps(per_class), "predictedAt": now})
        conn.executemany(render("stream/upsert_prediction.sql"), params)
        conn.executemany(render("stream/insert_history.sql"), params)
        return len(params)
