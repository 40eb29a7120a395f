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
* curves are bucketed by length, with the cuts placed by a cost model
  (padding against per-batch overhead);
* the factorisation of the last evaluation is reused for prediction;
* per-curve Python work (start values, grids, features) is vectorised per
  bucket;
* curves are spread over processes (``jobs``) as runs of similar lengths
  with equal estimated cost, sent and returned as a few flat arrays; while
  no worker pool is running, a small batch is fitted in this process and the
  pool is started and warmed up in the background, for the next call.

If scipy's private ``setulb`` is unavailable (a future scipy), a per-curve
``scipy.optimize.minimize`` fallback with the same fast likelihood is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from broker import default_jobs

from .features import FEATURE_NAMES, feature_table, table_row_dict
from .kernel import SQRT5
from .likelihood import LENGTH_SCALE_INIT, _MIN_EXP, CurveBatch, chol_inv, scratch, theta_bounds

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

_BUCKET = 96  # at most this many curves per padded batch ...
_BUCKET_ELEMS = 500_000  # ... and covariance entries (curves x n**2; 4 MB per work array)
# cost model for choosing the batches (seconds, measured on one core): per batch, and per
# curve as a + b*n**2 + c*n**3 for padded length n (about 9 evaluations each)
_COST_BATCH = 1.5e-3
_COST_CURVE = (9 * 3e-6, 9 * 5.4e-9, 9 * 0.3e-9)
# whole cost of a curve of n points (fit, prediction, features), c0 + c1*n + c3*n**3 seconds on
# one core (fitted to timings): to give every process the same work
_COST_SPLIT = (1.2e-4, 1.9e-6, 2.25e-9)
_MIN_PER_JOB = 16  # curves: fewer per process are not worth sending
_PRED_CHUNK = 60000  # grid x points elements per prediction chunk
_LOG_LS0 = float(np.log(LENGTH_SCALE_INIT))  # initial log length scale, as initial_theta


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
_MSG = {4: "CONVERGENCE", 5: "STOP", 6: "WARNING", 7: "ERROR", 8: "ABNORMAL"}


def _fit_bucket_lockstep(batch, theta0):
    """Run scipy's L-BFGS-B for every curve of ``batch`` in lock-step.

    Returns ``(theta, lml, task, nit, nfev, factor)``: final log
    hyperparameters (B, 2), log-marginal likelihoods, scipy's task codes,
    iteration and evaluation counts, and ``factor = (Li, alpha, have)``: the
    factorisation of each curve's last evaluation, valid where ``have`` (the
    last evaluation was at the final theta), see :func:`_factors`.
    """
    bounds = theta_bounds()
    lo = bounds[:, 0].copy()
    hi = bounds[:, 1].copy()
    nbd = np.full(2, 2, dtype=np.int32)  # both bounds finite
    B, n = batch.size, 2
    X = np.clip(theta0, lo, hi)  # updated in place by setulb, one row per curve
    Gr = np.zeros((B, n))
    wa = np.zeros((B, 2 * _M * n + 5 * n + 11 * _M * _M + 8 * _M))
    iwa = np.zeros((B, 3 * n), dtype=np.int32)
    task = np.zeros((B, 2), dtype=np.int32)
    ln_task = np.zeros((B, 2), dtype=np.int32)
    lsave = np.zeros((B, 4), dtype=np.int32)
    isave = np.zeros((B, 44), dtype=np.int32)
    dsave = np.zeros((B, 29))
    args = [(X[i], Gr[i], wa[i], iwa[i], task[i], lsave[i], isave[i], dsave[i], ln_task[i])
            for i in range(B)]
    fval = [0.0] * B
    last = [None] * B  # x of each curve's last evaluation
    Li = np.empty((B, batch.nmax, batch.nmax))  # factorisation of each curve's last evaluation
    alpha = np.empty((B, batch.nmax))
    nit = [0] * B
    nfev = [0] * B
    setulb = _SETULB
    active = list(range(B))
    sub = batch

    # scipy's ScalarFunction evaluates at x0 first; setulb then asks for FG
    # at that same point (cached) -- one evaluation.
    while active:
        need = []
        for i in active:
            x, g, w, iw, tk, ls, isv, ds, lnt = args[i]
            while True:
                setulb(_M, x, lo, hi, nbd, fval[i], g, _FACTR, _PGTOL, w, iw, tk, ls, isv, ds,
                       _MAXLS, lnt)
                code = tk[0]
                if code == 3:  # FG
                    if x.tolist() == last[i]:
                        continue  # ScalarFunction cache hit
                    need.append(i)
                    break
                if code == 1:  # NEW_X
                    nit[i] += 1
                    if nit[i] >= _MAXITER:
                        tk[0], tk[1] = 5, 504
                    elif nfev[i] > _MAXFUN:
                        tk[0], tk[1] = 5, 502
                    continue
                break  # converged / stopped
        if not need:
            break
        if need != active:  # fewer curves left: evaluate only those
            sub = batch if len(need) == B else batch.take(need)
            active = need
        keep = {}
        th = X[need]
        lml, g = sub.lml(th, keep=keep)
        rows = slice(None) if len(need) == B else need
        Gr[rows] = -g
        Li[rows] = keep["Li"]
        alpha[rows] = keep["alpha"]
        for i, f, x in zip(need, (-lml).tolist(), th.tolist()):
            fval[i] = f if math.isfinite(f) else math.inf
            last[i] = x
            nfev[i] += 1
    have = np.array([fval[i] != math.inf and X[i].tolist() == last[i] for i in range(B)])
    return X, -np.array(fval), task[:, 0].copy(), nit, nfev, (Li, alpha, have)


def _fit_bucket_minimize(batch, theta0):  # pragma: no cover - fallback path
    """Per-curve ``scipy.optimize.minimize`` (same optimiser as sklearn)."""
    from scipy.optimize import minimize

    bounds = theta_bounds()
    X = np.empty((batch.size, 2))
    lml = np.empty(batch.size)
    task = np.empty(batch.size, dtype=int)
    nit, nfev = [], []
    for i in range(batch.size):
        one = batch.take([i])

        def obj(th):
            l, g = one.lml(th.reshape(1, 2))
            return -l[0], -g[0]

        r = minimize(obj, theta0[i], method="L-BFGS-B", jac=True, bounds=bounds)
        X[i], lml[i], task[i] = r.x, -r.fun, 4 if r.success else 6
        nit.append(int(r.nit))
        nfev.append(int(r.nfev))
    return X, lml, task, nit, nfev, None


def _buckets(ns, max_size=_BUCKET, max_elems=_BUCKET_ELEMS):
    """Index arrays of curves with similar lengths, one per padded batch.

    Curves are sorted by length and cut where the modelled cost is least
    (dynamic programming): a batch costs a fixed ``_COST_BATCH`` (its
    rounds of numpy calls) plus, per curve, a cost growing with the padded
    length (elementwise work ~n**2, factorisations ~n**3).  Bigger batches
    mean fewer rounds, more similar lengths less padding.
    """
    order = np.argsort(ns, kind="stable")
    n = ns[order].astype(float)
    per_curve = _COST_CURVE[0] + _COST_CURVE[1] * n ** 2 + _COST_CURVE[2] * n ** 3
    N = len(n)
    best = np.zeros(N + 1)  # best[j]: cost of the first j curves
    cut = np.zeros(N + 1, dtype=int)
    for j in range(1, N + 1):
        # batch order[i:j] (i >= lo) has padded length n[j-1]
        lo = max(0, j - max_size, j - max(1, int(max_elems // n[j - 1] ** 2)))
        cost = best[lo:j] + (j - np.arange(lo, j)) * per_curve[j - 1]
        k = int(np.argmin(cost))
        best[j], cut[j] = cost[k] + _COST_BATCH, lo + k
    out = []
    while N > 0:
        out.append(order[cut[N]:N])
        N = cut[N]
    return out[::-1]


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
def _factors(batch, theta, factor=None):
    """``(Li, alpha, ok)`` at ``theta`` (B, 2): inverse Cholesky factors,
    ``K^-1 f`` and positive-definiteness.  ``factor = (Li, alpha, have)``
    (from the optimiser) is used where ``have``; the rest is computed."""
    if factor is None:
        B, nmax = batch.size, batch.nmax
        factor = (np.empty((B, nmax, nmax)), np.empty((B, nmax)), np.zeros(B, dtype=bool))
    Li, alpha, have = factor
    ok = np.ones(batch.size, dtype=bool)
    missing = np.nonzero(~have)[0]
    if len(missing):
        sub = batch if len(missing) == batch.size else batch.take(missing)
        K, _ = sub.kernel_matrices(theta[missing], grad=False)
        L, good = chol_inv(K)
        Li[missing] = L
        alpha[missing] = np.einsum("bji,bj->bi", L, np.einsum("bij,bj->bi", L, sub.f))
        ok[missing] = good
    return Li, alpha, ok


def _predict_bucket(batch, theta, grids, factor=None):
    """Posterior mean/var on ``grids`` (B, G) plus mean/var at observations.

    ``theta``: (B, 2) fitted log hyperparameters; ``factor``: see :func:`_factors`.
    """
    Li, alpha, good = _factors(batch, theta, factor)
    # padding: zero rows of Li (and alpha ~ 0) -> padded points contribute
    # nothing, whatever their time; give them a real one (no huge distances)
    Li *= batch.mask[:, :, None]
    tp = np.where(batch.mask, batch.t, batch.t[:, :1])
    a = np.exp(theta[:, 0])
    c = SQRT5 / np.exp(theta[:, 1])
    B, G = grids.shape
    mean = np.empty((B, G))
    var = np.empty((B, G))
    # -r = -c|t - g| in the layout (B, n, G): long inner loops, no transposes
    ct = tp * c[:, None]
    cg = grids * c[:, None]
    step = max(1, _PRED_CHUNK // max(1, G * batch.nmax))
    shape = (min(step, B), batch.nmax, G)
    nr_, ks_, poly_, w_ = (scratch(name, shape) for name in ("p_nr", "p_ks", "p_poly", "p_w"))
    for s in range(0, B, step):  # chunks that stay in cache
        sl = slice(s, s + step)
        m = len(range(*sl.indices(B)))
        nr, Ks, poly, W = nr_[:m], ks_[:m], poly_[:m], w_[:m]
        np.subtract(ct[sl, :, None], cg[sl, None, :], out=nr)
        np.abs(nr, out=nr)
        np.negative(nr, out=nr)                  # -r
        np.maximum(nr, _MIN_EXP, out=Ks)         # (exp(< -708) is slow)
        np.exp(Ks, out=Ks)
        np.multiply(nr, 1.0 / 3.0, out=poly)
        poly -= 1.0
        poly *= nr
        poly += 1.0                              # 1 + r + r**2/3
        Ks *= poly                               # unit-amplitude k(t, grid)
        mean[sl] = np.matmul(alpha[sl, None, :], Ks)[:, 0, :] * a[sl, None]
        np.matmul(Li[sl], Ks, out=W)
        var[sl] = a[sl, None] - a[sl, None] ** 2 * np.einsum("bng,bng->bg", W, W)
    # observations: f - noise*alpha and noise - noise^2 diag(K^-1)
    kd = np.einsum("bji,bji->bi", Li, Li)
    mean_obs = batch.f - batch.noise * alpha
    var_obs = batch.noise - batch.noise ** 2 * kd
    if not good.all():
        for arr in (mean, var, mean_obs, var_obs):
            arr[~good] = np.nan
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
    theta = np.log([[fit.amplitude, fit.length_scale]])
    m, v, mo, vo = _predict_bucket(batch, theta, grid[None, :])
    std = np.sqrt(_clip_var(v[0]))
    if return_obs:
        return grid, m[0], std, mo[0], np.sqrt(_clip_var(vo[0]))
    return grid, m[0], std


# ----------------------------------------------------------------------
# all in one
# ----------------------------------------------------------------------
def _initial_theta(batch):
    """``initial_theta`` of every curve of ``batch``: the median is the mean of
    the middle one or two sorted errors, exactly as ``np.median``."""
    s = np.sort(np.where(batch.mask, batch.e, np.inf), axis=1)
    rows = np.arange(batch.size)
    med = (s[rows, (batch.n - 1) // 2] + s[rows, batch.n // 2]) / 2
    with np.errstate(divide="ignore"):
        return np.column_stack([np.log(0.5 * med ** 2), np.full(batch.size, _LOG_LS0)])


def _grids(batch, ng):
    """``np.linspace(t.min(), t.max(), ng)`` of every curve, in one call.  (A
    curve with all times equal is filled apart: in a vectorised linspace, it
    would change the rounding of the others.)"""
    tmin = np.where(batch.mask, batch.t, np.inf).min(axis=1)
    tmax = np.where(batch.mask, batch.t, -np.inf).max(axis=1)
    flat = tmax == tmin
    grids = np.empty((batch.size, ng))
    grids[~flat] = np.linspace(tmin[~flat], tmax[~flat], ng, axis=1)
    grids[flat] = tmin[flat, None]
    return grids


def _fittable_all(curves, min_points):
    """``_fittable`` of every curve (one vectorised check when all data are valid)."""
    min_points = max(min_points, 1)
    ok = [len(t) >= min_points and len(f) == len(t) == len(e) for t, f, e in curves]
    if curves and all(len(f) == len(t) == len(e) for t, f, e in curves):
        t, f, e = (np.concatenate(a) for a in zip(*curves))
        if np.isfinite(t).all() and np.isfinite(f).all() and np.isfinite(e).all() and (e > 0).all():
            return ok
    return [o and _fittable(c, min_points) for o, c in zip(ok, curves)]


def _fit_predict_table(curves, n_grid, features, min_points):
    """Fit, predict and compute features of ``curves``; results as a few arrays
    (cheap to send between processes; see :func:`_results`)."""
    curves = [_clean(c) for c in curves]
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
    ok = np.nonzero(_fittable_all(curves, min_points))[0]
    for i in np.setdiff1d(np.arange(N), ok):  # not fitted: grid only
        t = curves[i][0]
        if len(t) and ng and np.all(np.isfinite(t)):
            out["grid"][i] = np.linspace(t.min(), t.max(), ng)
    fitter = _fit_bucket_lockstep if _SETULB is not None else _fit_bucket_minimize
    for b in _buckets(ns[ok]):
        ids = ok[b]
        batch = CurveBatch([curves[i] for i in ids])
        theta, lml, task, nit, nfev, factor = fitter(batch, _initial_theta(batch))
        amp, ls = np.exp(theta[:, 0]), np.exp(theta[:, 1])
        out["fit"][ids] = np.column_stack([amp, ls, lml])
        out["task"][ids] = task
        out["count"][ids] = np.column_stack([nit, nfev])
        out["fitted"][ids] = True
        if not ng:
            continue
        grids = _grids(batch, ng)
        mean, var, mobs, vobs = _predict_bucket(batch, theta, grids, factor)
        out["grid"][ids], out["mean"][ids] = grids, mean
        out["std"][ids] = np.sqrt(_clip_var(var))
        if features:
            out["features"][ids] = feature_table(
                grids, mean, batch.n, batch.f, batch.e, batch.mask, mobs, amp, ls, lml, task == 4)
    return out


def _results(table):
    """The list of :class:`GPResult` of a :func:`_fit_predict_table` table."""
    n_grid, feats = table["n_grid"], table["features"]
    empty = np.empty(0)
    fits = table["fit"].tolist()
    tasks = table["task"].tolist()
    counts = table["count"].tolist()
    out = []
    for i, fitted in enumerate(table["fitted"].tolist()):
        if fitted:
            tk = tasks[i]
            fr = FitResult(*fits[i], tk == 4, *counts[i], _MSG.get(tk, str(tk)))
        else:
            fr = FitResult(math.nan, math.nan, math.nan, False, 0, 0,
                           "not fitted: too few points or invalid data")
        if n_grid > 0:
            g, m, s = table["grid"][i], table["mean"][i], table["std"][i]
        else:
            g = m = s = empty
        out.append(GPResult(g, m, s, fr, table_row_dict(feats[i]) if feats is not None else {}))
    return out


def _fit_predict_serial(curves, n_grid, features, min_points):
    return _results(_fit_predict_table(curves, n_grid, features, min_points))


def _fit_predict_flat(t, f, e, lengths, n_grid, features, min_points):
    """Worker task: the curves as concatenated arrays plus their lengths."""
    cuts = np.cumsum(lengths)[:-1]
    curves = list(zip(np.split(t, cuts), np.split(f, cuts), np.split(e, cuts)))
    with _one_blas_thread():
        return _fit_predict_table(curves, n_grid, features, min_points)


def _blas_controller():
    """threadpoolctl's view of the loaded BLAS libraries (finding them takes
    ~10 ms, so it is done once, when this module is imported)."""
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().select(user_api="blas")
    except Exception:  # pragma: no cover - no threadpoolctl
        return None


_CONTROLLER = _blas_controller()


def _one_blas_thread():
    """Context limiting BLAS to one thread (small matrices: threads only
    spin and steal the other core).  No-op without threadpoolctl."""
    import contextlib

    if _CONTROLLER is None:  # pragma: no cover
        return contextlib.nullcontext()
    return _CONTROLLER.limit(limits=1)


# curves: below this, a cold pool (~0.4 s to start and warm up) is not worth waiting for
_SERIAL_MAX = 2500


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


def _split(ns, jobs):
    """Curve indices for ``jobs`` processes: runs of the curves sorted by length,
    of equal modelled cost.  (Each process then gets a narrow range of lengths:
    less padding and fewer batches than dealing the curves round-robin.)"""
    order = np.argsort(ns, kind="stable")
    n = ns[order].astype(float)
    c0, c1, c3 = _COST_SPLIT
    cum = np.cumsum(c0 + c1 * n + c3 * n ** 3)
    cuts = np.searchsorted(cum, cum[-1] * np.arange(1, jobs) / jobs)
    return [p for p in np.split(order, cuts) if len(p)]


def fit_predict_many(curves, n_grid=200, jobs=None, features=True, min_points=3):
    """Fit, predict on an ``n_grid``-point grid and compute features.

    ``curves``: list of ``(t, f, e)``.  ``jobs``: number of processes
    (None -> ``broker.default_jobs()``, the cores; 1 -> this process only).  Curves with
    fewer than ``min_points`` points (or invalid data) are not fitted: they
    get NaN hyperparameters, NaN mean/std and NaN features.

    Returns a list of :class:`GPResult` (grid, mean, std, fit, features) in
    input order.  The grid is ``np.linspace(t.min(), t.max(), n_grid)``.
    """
    curves = list(curves)
    if jobs is None:
        jobs = default_jobs()
    jobs = max(1, min(int(jobs), len(curves) // _MIN_PER_JOB + 1))
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
    from broker.workers import get_pool

    curves = [_clean(c) for c in curves]
    ns = np.array([len(c[0]) for c in curves])
    parts = _split(ns, jobs)
    tasks = [(*(np.concatenate([curves[i][k] for i in p]) for k in range(3)), ns[p],
              n_grid, features, min_points) for p in parts]
    tables = get_pool(jobs).map(_fit_predict_flat, tasks)
    out = [None] * len(curves)
    for p, table in zip(parts, tables):
        for i, r in zip(p, _results(table)):
            out[i] = r
    return out

