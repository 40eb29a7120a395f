"""Fit, predict and features of many curves in this process, and the results' types.

Curves are bucketed by length (:mod:`minibroker.gp.batching`); each bucket is fitted in lock-step
(:mod:`minibroker.gp.optimise`), predicted on its grids reusing the optimiser's factorisation
(:mod:`minibroker.gp.posterior`) and its features computed (:mod:`minibroker.gp.features`), all
vectorised per bucket.  The results are kept as a few flat arrays (:func:`fit_predict_table`:
cheap to send between processes) and turned into :class:`GPResult` objects at the end
(:func:`results`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .batching import buckets
from .features import FEATURE_NAMES, feature_table, table_row_dict
from .likelihood import CurveBatch
from .optimise import CONVERGED, MESSAGES, fitter, initial_theta
from .posterior import clean, clip_var, fittable, grids, predict_bucket


@dataclass
class FitResult:
    """Fitted hyperparameters of one light curve (nan when not fitted)."""

    amplitude: float
    length_scale: float
    log_marginal_likelihood: float
    converged: bool
    n_iter: int = 0
    n_eval: int = 0
    message: str = ""


@dataclass
class GPResult:
    """Everything :func:`minibroker.gp.fit_predict_many` returns for one light curve."""

    grid: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    fit: FitResult
    features: dict = field(default_factory=dict)


def fittable_all(curves, min_points):
    """:func:`~minibroker.gp.posterior.fittable` of every curve (one vectorised check when all
    data are valid)."""
    min_points = max(min_points, 1)
    ok = [len(t) >= min_points and len(f) == len(t) == len(e) for t, f, e in curves]
    if curves and all(len(f) == len(t) == len(e) for t, f, e in curves):
        t, f, e = (np.concatenate(a) for a in zip(*curves))
        if np.isfinite(t).all() and np.isfinite(f).all() and np.isfinite(e).all() and (e > 0).all():
            return ok
    return [o and fittable(c, min_points) for o, c in zip(ok, curves)]


def fit_predict_table(curves, n_grid, features, min_points):
    """Fit, predict and compute features of ``curves``; results as a few arrays
    (cheap to send between processes; see :func:`results`)."""
    curves = [clean(c) for c in curves]
    N = len(curves)
    ng = max(n_grid, 1) if (n_grid > 0 or features) else 0
    out = {
        "grid": np.full((N, ng), np.nan), "mean": np.full((N, ng), np.nan),
        "std": np.full((N, ng), np.nan), "fit": np.full((N, 3), np.nan),
        "task": np.zeros(N, dtype=np.int32), "count": np.zeros((N, 2), dtype=np.int64),
        "features": np.full((N, len(FEATURE_NAMES)), np.nan) if features else None,
        "n_grid": n_grid, "fitted": np.zeros(N, dtype=bool),
    }
    ns = np.array([len(c[0]) for c in curves], dtype=int)
    if features:
        out["features"][:, 0] = ns
    ok = np.nonzero(fittable_all(curves, min_points))[0]
    for i in np.setdiff1d(np.arange(N), ok):  # not fitted: grid only
        t = curves[i][0]
        if len(t) and ng and np.all(np.isfinite(t)):
            out["grid"][i] = np.linspace(t.min(), t.max(), ng)
    fit = fitter()
    for b in buckets(ns[ok]):
        ids = ok[b]
        batch = CurveBatch([curves[i] for i in ids])
        theta, lml, task, nit, nfev, factor = fit(batch, initial_theta(batch))
        amp, ls = np.exp(theta[:, 0]), np.exp(theta[:, 1])
        out["fit"][ids] = np.column_stack([amp, ls, lml])
        out["task"][ids] = task
        out["count"][ids] = np.column_stack([nit, nfev])
        out["fitted"][ids] = True
        if not ng:
            continue
        grid = grids(batch, ng)
        mean, var, mobs, vobs = predict_bucket(batch, theta, grid, factor)
        out["grid"][ids], out["mean"][ids] = grid, mean
        out["std"][ids] = np.sqrt(clip_var(var))
        if features:
            out["features"][ids] = feature_table(
                grid, mean, batch.n, batch.f, batch.e, batch.mask, mobs, amp, ls, lml,
                task == CONVERGED)
    return out


def results(table):
    """The list of :class:`GPResult` of a :func:`fit_predict_table` table."""
    n_grid, feats = table["n_grid"], table["features"]
    empty = np.empty(0)
    fits = table["fit"].tolist()
    tasks = table["task"].tolist()
    counts = table["count"].tolist()
    out = []
    for i, fitted in enumerate(table["fitted"].tolist()):
        if fitted:
            tk = tasks[i]
            fr = FitResult(*fits[i], tk == CONVERGED, *counts[i], MESSAGES.get(tk, str(tk)))
        else:
            fr = FitResult(math.nan, math.nan, math.nan, False, 0, 0,
                           "not fitted: too few points or invalid data")
        if n_grid > 0:
            g, m, s = table["grid"][i], table["mean"][i], table["std"][i]
        else:
            g = m = s = empty
        out.append(GPResult(g, m, s, fr, table_row_dict(feats[i]) if feats is not None else {}))
    return out


def fit_predict_serial(curves, n_grid, features, min_points):
    """:func:`minibroker.gp.fit_predict_many` in this process (BLAS threads as they are)."""
    return results(fit_predict_table(curves, n_grid, features, min_points))
