"""``make gp``: GP-interpolate every object-band that needs it and store grid and features.

Reads the packed light curves from ``lcBands``, fits them with :func:`minibroker.gp.fit_predict_many`
(batched, in worker processes) and writes ``lcGP`` (one row per grid point) and ``lcGPFeats``
(one row per object and band: every griz band, and u/y when observed; NULL values for a band
with fewer than 3 points or a failed fit).

Incremental rule (``sql/queries/gp/todo.sql``): an object is (re)computed when it has no
lcGPFeats rows, when a band's point count differs from lcBands (its photometry changed), or when
its grid has another size than asked.  The loader should also delete lcGP/lcGPFeats rows where it
clears an object (then a same-size replacement is caught too).  Objects go in chunks, one
transaction each (delete the objects' old rows, insert the new ones), so an interrupted run keeps
what it finished.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from functools import partial

import apsw
import numpy as np

from minibroker.core.sqlfiles import render

from .features import MIN_POINTS
from .parallel import fit_predict_many

from minibroker.core.bands import FEATURE_BANDS, order  # FEATURE_BANDS always get an lcGPFeats row
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
    at_bound: int = 0      # fitted object-bands whose amplitude or length scale ended on a bound
    bad_fit: int = 0       # fitted object-bands with reduced chi2 > 5
    flagged: int = 0       # either of the two (lcGPFeats.atBound or badFit, migration 005)
    fit_seconds: float = 0.0
    seconds: float = 0.0
    stale: int = 0         # objects changed or deleted while they were fitted: left for the next run


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
        for pb in sorted(set(bands) | set(FEATURE_BANDS), key=order):
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
    flags = []  # per lcGPFeats row: (fitted, not converged)
    for (oid, pb, curve), res in zip(items, results):
        n = len(curve[0])
        feats = res.features
        fitted = n >= MIN_POINTS and math.isfinite(res.fit.amplitude) and np.all(np.isfinite(res.mean))
        if fitted:
            grid, mean, std = res.grid, res.mean, res.std
            if len(grid) > 1 and not np.all(np.diff(grid) > 0):  # all points at one time
                grid, idx = np.unique(grid, return_index=True)
                mean, std = mean[idx], std[idx]
            gp_rows.extend(zip([oid] * len(grid), [pb] * len(grid), grid.tolist(), mean.tolist(),
                               std.tolist()))
        else:
            feats = {}
        feat_rows.append((oid, pb, n, n_grid, *(_value(feats.get(k)) for k in _FEATURE_COLUMNS)))
        flags.append((bool(fitted), bool(fitted and not res.fit.converged)))
    return gp_rows, feat_rows, flags


def compute_chunk(conn: apsw.Connection, ids: list[int], *, n_grid: int = N_GRID, jobs: int | None = None):
    """Read and fit the objects ``ids``: ``(gp_rows, feat_rows, flags, fit_seconds)`` as
    :func:`rows_for` gives them. The fits run in ``jobs`` processes (``fit_predict_many``)."""
    items = read_curves(conn, ids)
    t0 = time.perf_counter()
    results = fit_predict_many([c for _, _, c in items], n_grid=n_grid, jobs=jobs,
                               features=True, min_points=MIN_POINTS)
    gp_rows, feat_rows, flags = rows_for(items, results, n_grid)
    return gp_rows, feat_rows, flags, time.perf_counter() - t0


def compute(conn: apsw.Connection, dataset: str | None = None, *, n_grid: int = N_GRID,
            jobs: int | None = None, chunk: int = CHUNK, progress: bool | None = None,
            ids: list[int] | None = None) -> GPRun:
    """Fit the objects that need it (see module docstring), or ``ids``; returns counts and timings.

    A science step of the one driver (``minibroker.core.step``): a chunk's rows are stored only for
    objects whose photometry is unchanged since it was read. The fits of a chunk are spread over
    ``jobs`` processes inside the step (batched by cost), so the driver runs the chunks in turn."""
    from minibroker.core import step

    start = time.perf_counter()
    run = GPRun()
    sql_delete = render("queries/gp/delete_gp.sql")
    sql_gp = render("queries/gp/insert_gp.sql")
    sql_feats = render("queries/gp/insert_feats.sql")
    sql_flags = render("queries/gp/flag_counts.sql")

    def store(conn, keep, result):
        gp_rows, feat_rows, flags, secs = result
        run.fit_seconds += secs
        keep_set = set(keep)
        kept = [(r, f) for r, f in zip(feat_rows, flags) if r[0] in keep_set]
        conn.execute(sql_delete, {"objIds": json.dumps(keep)})
        conn.executemany(sql_gp, (r for r in gp_rows if r[0] in keep_set))
        conn.executemany(sql_feats, [r for r, _ in kept])
        run.curves += len(kept)
        run.fitted += sum(f for _, (f, _) in kept)
        run.not_converged += sum(bad for _, (_, bad) in kept)
        # counted by the database's own definition of the flags, in the same transaction
        at_bound, bad_fit, flagged = conn.execute(sql_flags, {"objIds": json.dumps(keep)}).fetchone()
        run.at_bound += at_bound
        run.bad_fit += bad_fit
        run.flagged += flagged

    s = step.Step("gp", partial(pending, dataset=dataset, n_grid=n_grid),
                  partial(compute_chunk, n_grid=n_grid, jobs=jobs), store, chunk)
    r = step.run(conn, s, jobs=1, progress=progress, ids=ids)
    run.objects, run.stale = r.objects, r.stale
    run.seconds = time.perf_counter() - start
    return run
