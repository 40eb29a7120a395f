"""The GP case: ``gp.bench.bench`` (the GP helper's own comparison) on object-bands of the
loaded benchmark database: scikit-learn ``GaussianProcessRegressor`` per light curve (as
configured in the GP issue, fit + predict on a 200-point grid) against ``gp.fit_predict_many``,
with the agreement of their posterior means. Light curves/s; each repeat is one call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.common import BANDS


def available() -> tuple[bool, str]:
    try:
        from minibroker.gp import bench as gpbench  # noqa: F401
    except Exception as exc:  # ImportError, or the package mid-edit
        return False, f"gp.bench not importable: {type(exc).__name__}: {exc}"
    if not hasattr(gpbench, "bench"):
        return False, "gp.bench has no bench() function"
    return True, ""


def curves_from_db(db: Path, n_curves: int, min_points: int = 3) -> tuple[list, list[str]]:
    """The first ``n_curves`` object-bands (g, r, i, z; at least ``min_points`` points) by objId."""
    import apsw

    conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    curves, names = [], []
    try:
        for (oid, name) in conn.execute("select objId, name from objects order by objId"):
            for b in BANDS:
                rows = conn.execute("select t, flux, dflux from rawPhot where objId = ? and pb = ? order by t",
                                    (oid, b)).fetchall()
                if len(rows) < min_points:
                    continue
                a = np.array(rows, dtype=float)
                curves.append((a[:, 0].copy(), a[:, 1].copy(), a[:, 2].copy()))
                names.append(f"{name}:{b}")
                if len(curves) >= n_curves:
                    return curves, names
    finally:
        conn.close()
    return curves, names


def run_once(curves, names, jobs=None, warm_repeat: int = 3) -> dict:
    from minibroker.gp import bench as gpbench

    r = gpbench.bench(curves, jobs=jobs, repeat=warm_repeat, names=names)
    out = {k: (float(v) if isinstance(v, (int, float, np.floating)) and v is not None else v)
           for k, v in r.items() if k not in ("rel", "disagreements")}
    out["n_disagreements"] = len(r.get("disagreements") or [])
    out["disagreements"] = (r.get("disagreements") or [])[:10]
    return out
