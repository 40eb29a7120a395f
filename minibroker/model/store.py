"""Fitted models as pickle bytes in the ``models`` table, guarded by a sha256 kept in ``modelRuns``.

Unpickling runs code chosen by whoever wrote the bytes, so ``load`` hashes the blob first and
refuses it unless the digest equals ``modelRuns.modelSha256`` recorded at training time. This
protects against a blob that was changed or swapped on its own (tampering, corruption, a copy
from another database); it does NOT protect against someone who can rewrite both the blob and the
registry row — anyone with write access to the database file. Treat a database from an untrusted
source as untrusted code: retrain instead of predicting with its models.

``load`` also refuses a model pickled by another scikit-learn version (pickles are not portable
across versions): retrain with ``make train``.
"""

import hashlib
import hmac
import json
import pickle
import platform

import apsw
import sklearn

from minibroker.core.errors import UserError
from minibroker.core.sqlfiles import render


def libraries() -> dict[str, str]:
    """The versions a model or anomaly run was made with (stored beside it; scikit-learn's is checked on load)."""
    import numpy as np
    import pandas as pd
    import scipy

    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "pandas": pd.__version__, "scikit-learn": sklearn.__version__, "sqlite": apsw.sqlite_lib_version()}

FORMAT = "pickle"


def dumps(estimator) -> tuple[bytes, str]:
    """(bytes, sha256 hex) of a fitted estimator."""
    data = pickle.dumps(estimator, protocol=5)
    return data, sha256(data)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save(conn: apsw.Connection, run_id: int, data: bytes) -> None:
    """Store ``data`` for ``run_id``; its hash must already be in modelRuns (insert the run first)."""
    conn.execute(render("queries/model/insert_model.sql"),
                 {"runId": run_id, "format": FORMAT, "sizeBytes": len(data), "bytes": data})


def load(conn: apsw.Connection, run_id: int):
    """The fitted estimator of ``run_id``, unpickled only after its hash matches the registry."""
    kind = conn.execute(render("queries/hardening/model_blob_type.sql"), {"runId": run_id}).fetchone()
    if kind is not None and kind[0] != "blob":  # fetching text that is not UTF-8 would fail, an integer mislead
        raise UserError(f"run {run_id}: the stored model is {kind[0]}, not a blob (the models table was "
                        "edited): retrain with make train")
    row = conn.execute(render("queries/model/load_model.sql"), {"runId": run_id}).fetchone()
    if row is None:
        raise UserError(f"run {run_id} has no stored model: train first (make train DB=...)")
    expected, libraries, fmt, data = row
    if fmt != FORMAT:
        raise UserError(f"run {run_id}: stored model has format {fmt!r}, this code reads {FORMAT!r}: retrain")
    actual = sha256(bytes(data))
    if not hmac.compare_digest(actual, expected):
        raise UserError(
            f"run {run_id}: stored model fails its hash check (sha256 {actual[:12]}..., registry says "
            f"{expected[:12]}...), refusing to load it: retrain with make train"
        )
    trained_with = json.loads(libraries).get("scikit-learn")
    if trained_with != sklearn.__version__:
        raise UserError(
            f"run {run_id} was trained with scikit-learn {trained_with}, this is {sklearn.__version__}: "
            "retrain with make train"
        )
    return pickle.loads(data)
