"""Batched GP fitting and prediction that reproduces scikit-learn.

How the speed is obtained while following *the same optimiser path* as
``GaussianProcessRegressor.fit``:

* scikit-learn minimises ``-lml(theta)`` with ``scipy.optimize.minimize(
  method='L-BFGS-B', jac=True, bounds=log bounds)`` from the kernel's initial
  theta.  We drive scipy's own L-BFGS-B core (the reverse-communication
  routine ``setulb`` that ``minimize`` itself calls) for *many curves in
  lock-step*: every curve asks for a function/gradient evaluation, and all
  requests of one round are answered by a single vectorised evaluation over
  a padded batch (see :mod:`gp.likelihood`).  Same algorithm, same defaults
  (m=10, factr=1e7 (ftol=2.22e-9), pgtol=1e-5, maxls=20, maxiter=maxfun=15000),
  same start and bounds -> the same iterates up to floating-point rounding.
* curves are bucketed by length so padding stays small;
* the factorisation of the last evaluation is reused for prediction;
* chunks of curves are spread over processes (``jobs``); while no worker
  pool is running, a small batch is fitted in this process and the pool is
  started and warmed up in the background, for the next call.

If scipy's private ``setulb`` is unavailable (a future scipy), a per-curve
``scipy.optimize.minimize`` fallback with the same fast likelihood is used.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import lapack

from .kernel import SQRT5
from .likelihood import CurveBatch, initial_theta, theta_bounds, tri_inv

try:  # scipy >= 1.15 (C translation of L-BFGS-B, same reverse communication)
    from scipy.optimize import _lbfgsb as _lbfgsb_mod

    _SETULB = _lbfgsb_mod.setulb
except Exception:  # pragma: no cover - depends on scipy version
    _SETULB = None

# scipy.optimize.minimize(method="L-BFGS-B") defaults, used by scikit-learn
_M = 10
_FTOL = 2.2204460492503131e-09
_FACTR = _FTOL / np.finfo(float).eps
_PGTOL = 1e-5
_MAXLS = 20
_MAXITER = 15000
_MAXFUN = 15000

_BUCKET = 16  # curves per padded batch
_PRED_CHUNK = 60000  # grid x points elements per prediction chunk


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

    @property
    def theta(self):
        return np.log([self.amplitude, self.length_scale])


@dataclass
class GPResult:
    """Everything :func:`fit_predict_many` returns for one light curve."""

    grid: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    fit: FitResult
    features: dict = field(default_factory=dict)


def _clean(curve):
    t, f, e = (np.asarray(a, dtype=float).ravel() for a in curve)
    return t, f, e


def _fittable(curve, min_points=1):
    t, f, e = curve
    n = len(t)
    return (
        n >= min_points
        and len(f) == n
        and len(e) == n
        and np.all(np.isfinite(t))
        and np.all(np.isfinite(f))
        and np.all(np.isfinite(e))
        and np.all(e > 0)
    )


# ----------------------------------------------------------------------
# L-BFGS-B in lock-step over a batch
# ----------------------------------------------------------------------
class _LBFGSBState:
    __slots__ = ("x", "f", "g", "wa", "iwa", "task", "ln_task", "lsave",
                 "isave", "dsave", "nit", "nfev", "last_x")

    def __init__(self, x0, lo, hi):
        n = 2
        self.x = np.clip(np.asarray(x0, dtype=np.float64), lo, hi)
        self.f = 0.0
        self.g = np.zeros(n, dtype=np.float64)
        self.wa = np.zeros(2 * _M * n + 5 * n + 11 * _M * _M + 8 * _M, np.float64)
        self.iwa = np.zeros(3 * n, dtype=np.int32)
        self.task = np.zeros(2, dtype=np.int32)
        self.ln_task = np.zeros(2, dtype=np.int32)
        self.lsave = np.zeros(4, dtype=np.int32)
        self.isave = np.zeros(44, dtype=np.int32)
        self.dsave = np.zeros(29, dtype=np.float64)
        self.nit = 0
        self.nfev = 0
        self.last_x = None


_MSG = {4: "CONVERGENCE", 5: "STOP", 6: "WARNING", 7: "ERROR", 8: "ABNORMAL"}


def _fit_bucket_lockstep(batch, theta0):
    """Run scipy's L-BFGS-B for every curve of ``batch`` in lock-step."""
    bounds = theta_bounds()
    lo = bounds[:, 0].copy()
    hi = bounds[:, 1].copy()
    nbd = np.full(2, 2, dtype=np.int32)  # both bounds finite
    B = batch.size
    states = [_LBFGSBState(theta0[i], lo, hi) for i in range(B)]
    cache_theta = np.full((B, 2), np.nan)
    factor = [None] * B  # factorisation of each curve's last evaluation
    done = np.zeros(B, dtype=bool)
    setulb = _SETULB

    # scipy's ScalarFunction evaluates at x0 first; setulb then asks for FG
    # at that same point (cached) -- one evaluation.
    while True:
        need = []
        for i in range(B):
            if done[i]:
                continue
            s = states[i]
            while True:
                setulb(_M, s.x, lo, hi, nbd, s.f, s.g, _FACTR, _PGTOL, s.wa,
                       s.iwa, s.task, s.lsave, s.isave, s.dsave, _MAXLS,
                       s.ln_task)
                tk = s.task[0]
                if tk == 3:  # FG
                    lx = s.last_x
                    if lx is not None and s.x[0] == lx[0] and s.x[1] == lx[1]:
                        continue  # ScalarFunction cache hit
                    need.append(i)
                    break
                elif tk == 1:  # NEW_X
                    s.nit += 1
                    if s.nit >= _MAXITER:
                        s.task[0] = 5
                        s.task[1] = 504
                    elif s.nfev > _MAXFUN:
                        s.task[0] = 5
                        s.task[1] = 502
                    continue
                else:
                    done[i] = True
                    break
        if not need:
            break
        idx = np.asarray(need)
        th = np.array([states[i].x for i in need])
        keep = {}
        lml, g = batch.lml(th, idx=None if len(need) == B else idx, grad=True,
                           keep=keep)
        for k, i in enumerate(need):
            s = states[i]
            factor[i] = (keep, k)
            s.f = float(-lml[k]) if np.isfinite(lml[k]) else np.inf
            s.g = np.ascontiguousarray(-g[k], dtype=np.float64)
            s.last_x = s.x.copy()
            s.nfev += 1
        cache_theta[idx] = th

    out = []
    reuse = []
    for i, s in enumerate(states):
        lx = s.last_x
        if (factor[i] is not None and lx is not None and s.x[0] == lx[0]
                and s.x[1] == lx[1] and np.isfinite(s.f)):
            keep, k = factor[i]
            reuse.append((keep["Li"][k], keep["alpha"][k]))
        else:
            reuse.append(None)
        tk = int(s.task[0])
        out.append(FitResult(
            amplitude=float(np.exp(s.x[0])),
            length_scale=float(np.exp(s.x[1])),
            log_marginal_likelihood=float(-s.f),
            converged=(tk == 4),
            n_iter=s.nit,
            n_eval=s.nfev,
            message=_MSG.get(tk, str(tk)),
        ))
    return out, reuse


def _fit_bucket_minimize(batch, theta0):  # pragma: no cover - fallback path
    """Per-curve ``scipy.optimize.minimize`` (same optimiser as sklearn)."""
    from scipy.optimize import minimize

    bounds = theta_bounds()
    out = []
    for i in range(batch.size):
        def obj(th, i=i):
            l, g = batch.lml(th.reshape(1, 2), idx=[i], grad=True)
            return -l[0], -g[0]

        r = minimize(obj, theta0[i], method="L-BFGS-B", jac=True, bounds=bounds)
        out.append(FitResult(float(np.exp(r.x[0])), float(np.exp(r.x[1])),
                             float(-r.fun), bool(r.success), int(r.nit),
                             int(r.nfev), str(r.message)))
    return out, [None] * len(out)


def _nan_fit(msg):
    return FitResult(np.nan, np.nan, np.nan, False, 0, 0, msg)


def _buckets(ns, size=_BUCKET):
    order = np.argsort(ns, kind="stable")
    return [order[i : i + size] for i in range(0, len(order), size)]


def fit_batch(curves, jobs=None):
    """Fit the GP hyperparameters of many light curves.

    ``curves``: list of ``(t, f, e)`` arrays.  Returns a list of
    :class:`FitResult` (amplitude, length_scale, log_marginal_likelihood,
    converged, ...) in the same order.  Curves that cannot be fitted (no
    points, non-finite values, e <= 0) get NaN hyperparameters.
    """
    return [r.fit for r in fit_predict_many(curves, n_grid=0, jobs=jobs,
                                            features=False, min_points=1)]


# ----------------------------------------------------------------------
# prediction
# ----------------------------------------------------------------------
def _predict_bucket(batch, fits, grids, reuse=None):
    """Posterior mean/std on ``grids`` (B, G) plus mean/var at observations.

    ``reuse[k]``: optional ``(Li, alpha)`` of curve k from the optimiser's
    last evaluation at the fitted theta (saves a factorisation).
    """
    theta = np.array([[math.log(r.amplitude), math.log(r.length_scale)] for r in fits])
    B, nmax = batch.size, batch.nmax
    good = np.ones(B, dtype=bool)
    if reuse is not None and all(r is not None for r in reuse):
        Li = np.empty((B, nmax, nmax))
        alpha = np.empty((B, nmax))
        for k, (l_, a_) in enumerate(reuse):
            Li[k] = l_
            alpha[k] = a_
    else:
        K, _, noise = batch.kernel_matrices(theta, grad=False)
        try:
            L = np.linalg.cholesky(K)
        except np.linalg.LinAlgError:
            L = np.empty_like(K)
            for b in range(B):
                c, info = lapack.dpotrf(K[b], lower=1, clean=1)
                L[b] = c
                if info != 0:
                    good[b] = False
                    L[b] = np.eye(nmax)
        Li = tri_inv(L)
        alpha = np.einsum("bji,bj->bi", Li, np.einsum("bij,bj->bi", Li, batch.f))
    a = np.exp(theta[:, 0])
    neg_c = -SQRT5 / np.exp(theta[:, 1])
    B, G = grids.shape
    mean = np.empty((B, G))
    var = np.empty((B, G))
    LiT = np.swapaxes(Li, 1, 2)
    step = max(1, _PRED_CHUNK // max(1, G * batch.nmax))
    for s in range(0, B, step):  # chunks that stay in cache
        sl = slice(s, s + step)
        nr = grids[sl, :, None] - batch.t[sl, None, :]
        np.abs(nr, out=nr)
        nr *= neg_c[sl, None, None]              # -r
        Ks = np.exp(nr)
        poly = nr * nr
        poly *= 1.0 / 3.0
        poly -= nr
        poly += 1.0
        Ks *= poly                               # unit-amplitude k(grid, t)
        Ks *= batch.mask[sl, None, :]
        mean[sl] = np.einsum("bgi,bi->bg", Ks, alpha[sl]) * a[sl, None]
        V = np.matmul(Ks, LiT[sl])
        var[sl] = a[sl, None] - a[sl, None] ** 2 * np.einsum("bgi,bgi->bg", V, V)
    # observations: f - noise*alpha and noise - noise^2 diag(K^-1)
    kd = np.einsum("bji,bji->bi", Li, Li)
    mean_obs = batch.f - batch.noise * alpha
    var_obs = batch.noise - batch.noise ** 2 * kd
    if not good.all():
        mean[~good] = np.nan
        var[~good] = np.nan
        mean_obs[~good] = np.nan
        var_obs[~good] = np.nan
    return mean, var, mean_obs, var_obs




def _clip_var(var):
    """sklearn sets negative predictive variances to 0 (and warns)."""
    neg = var < 0
    if np.any(neg):
        var = np.where(neg, 0.0, var)
    return var


def predict(t, f, e, fit, grid=None, n_grid=200, return_obs=False):
    """Posterior mean and std of one light curve given fitted ``fit``.

    ``grid`` defaults to ``np.linspace(t.min(), t.max(), n_grid)``.
    Returns ``(grid, mean, std)``; with ``return_obs=True`` also the
    posterior mean and std at the observation times.
    """
    t, f, e = _clean((t, f, e))
    if grid is None:
        grid = np.linspace(t.min(), t.max(), n_grid)
    grid = np.asarray(grid, dtype=float)
    if not np.isfinite(fit.amplitude) or not _fittable((t, f, e)):
        nan = np.full(grid.shape, np.nan)
        obs = np.full(t.shape, np.nan)
        return (grid, nan, nan, obs, obs) if return_obs else (grid, nan, nan)
    batch = CurveBatch([(t, f, e)])
    m, v, mo, vo = _predict_bucket(batch, [fit], grid[None, :])
    std = np.sqrt(_clip_var(v[0]))
    if return_obs:
        return grid, m[0], std, mo[0], np.sqrt(_clip_var(vo[0]))
    return grid, m[0], std


# ----------------------------------------------------------------------
# all in one
# ----------------------------------------------------------------------
def _fit_predict_serial(curves, n_grid, features, min_points):
    from .features import gp_features, nan_features

    curves = [_clean(c) for c in curves]
    N = len(curves)
    out = [None] * N
    ok = []
    for i, c in enumerate(curves):
        if _fittable(c, min_points):
            ok.append(i)
        else:
            fr = _nan_fit("not fitted: too few points or invalid data")
            nan = np.full(n_grid, np.nan)
            grid = (np.linspace(c[0].min(), c[0].max(), n_grid)
                    if len(c[0]) and np.all(np.isfinite(c[0])) else nan.copy())
            out[i] = GPResult(grid, nan, nan.copy(), fr,
                              nan_features(len(c[0])) if features else {})
    ns = np.array([len(curves[i][0]) for i in ok], dtype=int)
    fitter = _fit_bucket_lockstep if _SETULB is not None else _fit_bucket_minimize
    for b in _buckets(ns):
        ids = [ok[j] for j in b]
        batch = CurveBatch([curves[i] for i in ids])
        theta0 = np.array([initial_theta(curves[i][2]) for i in ids])
        fits, reuse = fitter(batch, theta0)
        if n_grid > 0 or features:
            ng = max(n_grid, 1)
            grids = np.array([np.linspace(curves[i][0].min(), curves[i][0].max(), ng)
                              for i in ids])
            mean, var, mobs, vobs = _predict_bucket(batch, fits, grids, reuse)
            std = np.sqrt(_clip_var(var))
        for k, i in enumerate(ids):
            if n_grid > 0:
                g, m, s = grids[k], mean[k], std[k]
            else:
                g = m = s = np.empty(0)
            feats = {}
            if features:
                n = batch.n[k]
                feats = gp_features(curves[i][0], curves[i][1], curves[i][2],
                                    grids[k], mean[k], std[k], fits[k],
                                    mean_obs=mobs[k, :n],
                                    std_obs=np.sqrt(_clip_var(vobs[k, :n])))
            out[i] = GPResult(g, m, s, fits[k], feats)
    return out


_CONTROLLER = []


def _one_blas_thread():
    """Context limiting BLAS to one thread (small matrices: threads only
    spin and steal the other core).  No-op without threadpoolctl."""
    import contextlib

    try:
        if not _CONTROLLER:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER.append(ThreadpoolController())
        return _CONTROLLER[0].limit(limits=1, user_api="blas")
    except Exception:  # pragma: no cover
        return contextlib.nullcontext()


_SERIAL_MAX = 1500  # curves: below this, a cold pool is not worth waiting for


def _warm_up():
    """Task run once by every new worker: import and exercise the fit code."""
    t = np.linspace(0.0, 50.0, 8)
    _fit_predict_serial([(t, np.sin(t), np.full(8, 0.1))], 8, True, 3)
    return True


def _pool_ready(jobs):
    """True if a live worker pool of ``jobs`` exists (possibly warming up)."""
    from broker.workers import running

    return running(jobs)


def _warm_pool_async(jobs):
    """Start the ``jobs`` worker pool and warm it up in a daemon thread."""
    import threading

    from broker.workers import get_pool

    try:
        pool = get_pool(jobs)
    except Exception:  # pragma: no cover - no pool: stay serial
        return

    def run():
        try:
            pool.map(_warm_up, [()] * jobs)
        except Exception:  # pragma: no cover - pool closed meanwhile
            pass

    th = threading.Thread(target=run, name="gp-pool-warmup", daemon=True)
    th.start()


def shutdown():
    """Close the persistent worker processes (also done at interpreter exit)."""
    from broker.workers import shutdown as _shutdown

    _shutdown()


def fit_predict_many(curves, n_grid=200, jobs=None, features=True, min_points=3):
    """Fit, predict on an ``n_grid``-point grid and compute features.

    ``curves``: list of ``(t, f, e)``.  ``jobs``: number of processes
    (None -> ``os.cpu_count()``, 1 -> this process only).  Curves with
    fewer than ``min_points`` points (or invalid data) are not fitted: they
    get NaN hyperparameters, NaN mean/std and NaN features.

    Returns a list of :class:`GPResult` (grid, mean, std, fit, features) in
    input order.  The grid is ``np.linspace(t.min(), t.max(), n_grid)``.
    """
    curves = list(curves)
    if jobs is None:
        jobs = os.cpu_count() or 1
    jobs = max(1, min(int(jobs), len(curves) // _BUCKET + 1))
    if jobs > 1 and len(curves) <= _SERIAL_MAX and not _pool_ready(jobs):
        # Starting the worker interpreters (~0.5 s CPU each) costs more than
        # fitting a small batch here: fit in this process, then start and
        # warm up the pool in the background for the next call (afterwards,
        # so that the warm-up does not compete with this fit for the cores).
        with _one_blas_thread():
            out = _fit_predict_serial(curves, n_grid, features, min_points)
        _warm_pool_async(jobs)
        return out
    if jobs == 1:
        with _one_blas_thread():
            return _fit_predict_serial(curves, n_grid, features, min_points)
    # deal curves round-robin by length so every worker gets similar work
    ns = np.array([len(c[0]) for c in curves])
    order = np.argsort(ns, kind="stable")
    parts = [order[j::jobs] for j in range(jobs)]
    from broker.workers import get_pool

    results = get_pool(jobs).map(_fit_predict_serial,
                                 [([curves[i] for i in p], n_grid, features, min_points)
                                  for p in parts])
    out = [None] * len(curves)
    for p, res in zip(parts, results):
        for i, r in zip(p, res):
            out[i] = r
    return out
