"""Batched GP fitting and prediction that reproduces scikit-learn, spread over processes.

:func:`fit_predict_many` is the entry point.  How the speed is obtained while following *the same
optimiser path* as ``GaussianProcessRegressor.fit``:

* many curves are optimised in lock-step by scipy's own L-BFGS-B core
  (:mod:`minibroker.gp.optimise`), each round of evaluations being one vectorised likelihood
  over a padded batch (:mod:`minibroker.gp.likelihood`);
* curves are bucketed by length, with the cuts placed by a cost model
  (:mod:`minibroker.gp.batching`: padding against per-batch overhead);
* the factorisation of the last evaluation is reused for prediction
  (:mod:`minibroker.gp.posterior`);
* per-curve Python work (start values, grids, features) is vectorised per bucket
  (:mod:`minibroker.gp.pipeline`);
* here: curves are spread over processes (``jobs``) as runs of similar lengths with equal
  estimated cost, sent and returned as a few flat arrays, with BLAS limited to one thread;
  while no worker pool is running, a small batch is fitted in this process and the pool is
  started and warmed up in the background, for the next call.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from minibroker.core.workers import default_jobs, get_pool, running
from minibroker.core.workers import shutdown as _shutdown_workers

from .batching import MIN_PER_JOB, split
from .pipeline import fit_predict_serial, fit_predict_table, results
from .posterior import clean

# curves: below this, a cold pool (~0.4 s to start and warm up) is not worth waiting for
_SERIAL_MAX = 2500


def _blas_controller():
    """threadpoolctl's view of the loaded BLAS libraries (finding them takes
    ~10 ms, so it is done once, when this module is imported)."""
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().select(user_api="blas")
    except Exception:  # pragma: no cover - no threadpoolctl
        return None


_CONTROLLER = _blas_controller()


def one_blas_thread():
    """Context limiting BLAS to one thread (small matrices: threads only
    spin and steal the other core).  No-op without threadpoolctl."""
    if _CONTROLLER is None:  # pragma: no cover
        return contextlib.nullcontext()
    return _CONTROLLER.limit(limits=1)


def fit_predict_flat(t, f, e, lengths, n_grid, features, min_points):
    """Worker task: the curves as concatenated arrays plus their lengths."""
    cuts = np.cumsum(lengths)[:-1]
    curves = list(zip(np.split(t, cuts), np.split(f, cuts), np.split(e, cuts)))
    with one_blas_thread():
        return fit_predict_table(curves, n_grid, features, min_points)


def warm_up():
    """Task run once by every new worker: import and exercise the fit code."""
    t = np.linspace(0.0, 50.0, 8)
    fit_predict_serial([(t, np.sin(t), np.full(8, 0.1))], 8, True, 3)
    return True


def pool_ready(jobs):
    """True if a live worker pool of ``jobs`` exists (possibly warming up)."""
    return running(jobs)


def _warm_pool_async(jobs):
    """Start the ``jobs`` worker pool and warm it up in a daemon thread."""
    try:
        pool = get_pool(jobs)
    except Exception:  # pragma: no cover - no pool: stay serial
        return

    def run():
        try:
            pool.map(warm_up, [()] * jobs)
        except Exception:  # pragma: no cover - pool closed meanwhile
            pass

    th = threading.Thread(target=run, name="gp-pool-warmup", daemon=True)
    th.start()


def shutdown():
    """Close the persistent worker processes (also done at interpreter exit)."""
    _shutdown_workers()


def fit_predict_many(curves, n_grid=200, jobs=None, features=True, min_points=3):
    """Fit, predict on an ``n_grid``-point grid and compute features.

    ``curves``: list of ``(t, f, e)``.  ``jobs``: number of processes
    (None -> ``default_jobs()``, the cores; 1 -> this process only).  Curves with
    fewer than ``min_points`` points (or invalid data) are not fitted: they
    get NaN hyperparameters, NaN mean/std and NaN features.

    Returns a list of :class:`~minibroker.gp.pipeline.GPResult` (grid, mean, std, fit,
    features) in input order.  The grid is ``np.linspace(t.min(), t.max(), n_grid)``.
    """
    curves = list(curves)
    if jobs is None:
        jobs = default_jobs()
    jobs = max(1, min(int(jobs), len(curves) // MIN_PER_JOB + 1))
    if jobs > 1 and len(curves) <= _SERIAL_MAX and not pool_ready(jobs):
        # Starting the worker interpreters (~0.5 s CPU each) costs more than
        # fitting a small batch here: fit in this process, then start and
        # warm up the pool in the background for the next call (afterwards,
        # so that the warm-up does not compete with this fit for the cores).
        with one_blas_thread():
            out = fit_predict_serial(curves, n_grid, features, min_points)
        _warm_pool_async(jobs)
        return out
    if jobs == 1:
        with one_blas_thread():
            return fit_predict_serial(curves, n_grid, features, min_points)
    curves = [clean(c) for c in curves]
    ns = np.array([len(c[0]) for c in curves])
    parts = split(ns, jobs)
    tasks = [(*(np.concatenate([curves[i][k] for i in p]) for k in range(3)), ns[p],
              n_grid, features, min_points) for p in parts]
    tables = get_pool(jobs).map(fit_predict_flat, tasks)
    out = [None] * len(curves)
    for p, table in zip(parts, tables):
        for i, r in zip(p, results(table)):
            out[i] = r
    return out
