"""``make gp``: GP-interpolate every object-band that needs it and store grid and features.

Reads the packed light curves from ``lcBands``, fits them with :func:`gp.fit.fit_predict_many`
(batched, in worker processes) and writes ``lcGP`` (one row per grid point) and ``lcGPFeats``
(one row per object and band: every griz band, and u/y when observed; NULL values for a band
with fewer than 3 points or a failed fit).

Incremental rule (``sql/queries/gp/todo.sql``): an object is (re)computed when it has no
lcGPFeats rows, when a band's point count differs from lcBands (its photometry changed), or when
its grid has another size than asked.  The loader should also delete lcGP/lcGPFeats rows where it
clears an object (then a same-size replacement is caught too).  Objects go in chunks, one
transaction each (delete the objects' old rows, insert the new ones), so an interrupted run keeps
what it finished; the next chunk is fitted while the current one is written.
"""

from __future__ import annotations

import json
import math
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import apsw
import numpy as np
from tqdm import tqdm

from broker.db import immediate
from broker.sqlfiles import render

from .features import MIN_POINTS
from .fit import fit_predict_many

FEATURE_BANDS = ("g", "r", "i", "z")  # always get an lcGPFeats row (NULLs when unobserved)
N_GRID = 200
CHUNK = 1000  # objects per transaction

_FEATURE_COLUMNS = ("peak_flux", "peak_time", "rise_time", "rise_censored", "decline_time",
                    "length_scale", "amplitude", "log_marginal_likelihood", "chi2_red", "converged")


@dataclass
class GPRun:
    objects: int = 0
    curves: int = 0        # object-bands looked at
    fitted: int = 0        # object-bands with >= 3 points and a finite fit
    not_converged: int = 0
    fit_seconds: float = 0.0
    seconds: float = 0.0


def pending(conn: apsw.Connection, dataset: str | None = None, n_grid: int = N_GRID) -> list[int]:
    return [r[0] for r in conn.execute(render("queries/gp/todo.sql"),
                                       {"dataset": dataset, "nGrid": int(n_grid)})]


def read_curves(conn: apsw.Connection, obj_ids: list[int]) -> list[tuple[int, str, tuple]]:
    """``(objId, pb, (t, flux, dflux))`` of every band of ``obj_ids`` in lcBands, plus empty
    arrays for the unobserved griz bands."""
    have: dict[int, dict[str, tuple]] = {i: {} for i in obj_ids}
    for oid, pb, n, t, f, e in conn.execute(render("queries/gp/bands.sql"),
                                           {"objIds": json.dumps(obj_ids)}):
        have[oid][pb] = (np.frombuffer(t, "<f8"), np.frombuffer(f, "<f8"), np.frombuffer(e, "<f8"))
    empty = (np.empty(0), np.empty(0), np.empty(0))
    out = []
    for oid in obj_ids:
        bands = have[oid]
        for pb in sorted(set(bands) | set(FEATURE_BANDS), key="ugrizy".index):
            out.append((oid, pb, bands.get(pb, empty)))
    return out


def _value(v):
    """SQL value of a feature: None for NaN/None, 0/1 for flags, plain float otherwise."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    v = float(v)
    return v if math.isfinite(v) else None


def rows_for(items, results, n_grid):
    """The lcGP and lcGPFeats rows of fitted ``items`` (see :func:`read_curves`)."""
    gp_rows, feat_rows = [], []
    stats = [0, 0]  # fitted, not converged
    for (oid, pb, curve), res in zip(items, results):
        n = len(curve[0])
        feats = res.features
        fitted = n >= MIN_POINTS and math.isfinite(res.fit.amplitude) and np.all(np.isfinite(res.mean))
        if fitted:
            stats[0] += 1
            stats[1] += not res.fit.converged
            grid, mean, std = res.grid, res.mean, res.std
            if len(grid) > 1 and not np.all(np.diff(grid) > 0):  # all points at one time
                grid, idx = np.unique(grid, return_index=True)
                mean, std = mean[idx], std[idx]
            gp_rows.extend(zip([oid] * len(grid), [pb] * len(grid), grid.tolist(), mean.tolist(),
                               std.tolist()))
        else:
            feats = {}
        feat_rows.append((oid, pb, n, n_grid, *(_value(feats.get(k)) for k in _FEATURE_COLUMNS)))
    return gp_rows, feat_rows, stats


def compute(conn: apsw.Connection, dataset: str | None = None, *, n_grid: int = N_GRID,
            jobs: int | None = None, chunk: int = CHUNK, progress: bool | None = None) -> GPRun:
    """Fit the objects that need it (see module docstring); returns counts and timings."""
    start = time.perf_counter()
    todo = pending(conn, dataset, n_grid)
    run = GPRun(objects=len(todo))
    chunks = [todo[i:i + chunk] for i in range(0, len(todo), chunk)]
    disable = (not sys.stderr.isatty()) if progress is None else not progress
    sql_delete = render("queries/gp/delete_gp.sql")
    sql_gp = render("queries/gp/insert_gp.sql")
    sql_feats = render("queries/gp/insert_feats.sql")

    def fit(items):
        t0 = time.perf_counter()
        res = fit_predict_many([c for _, _, c in items], n_grid=n_grid, jobs=jobs,
                               features=True, min_points=MIN_POINTS)
        return res, time.perf_counter() - t0

    with tqdm(total=len(todo), unit="obj", desc="gp", disable=disable) as bar, \
            ThreadPoolExecutor(max_workers=1) as ahead:
        items = read_curves(conn, chunks[0]) if chunks else []
        future = ahead.submit(fit, items) if chunks else None
        for k, ids in enumerate(chunks):
            results, secs = future.result()
            run.fit_seconds += secs
            cur_items = items
            if k + 1 < len(chunks):  # fit the next chunk while this one is written
                items = read_curves(conn, chunks[k + 1])
                future = ahead.submit(fit, items)
            gp_rows, feat_rows, (fitted, bad) = rows_for(cur_items, results, n_grid)
            with immediate(conn):
                conn.execute(sql_delete, {"objIds": json.dumps(ids)})
                conn.executemany(sql_gp, gp_rows)
                conn.executemany(sql_feats, feat_rows)
            run.curves += len(cur_items)
            run.fitted += fitted
            run.not_converged += bad
            bar.update(len(ids))
    run.seconds = time.perf_counter() - start
    return run
