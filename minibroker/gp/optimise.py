"""The optimiser: scipy's L-BFGS-B run for many curves in lock-step.

scikit-learn minimises ``-lml(theta)`` with ``scipy.optimize.minimize(method='L-BFGS-B',
jac=True, bounds=log bounds)`` from the kernel's initial theta.  We drive scipy's own L-BFGS-B
core (the reverse-communication routine ``setulb`` that ``minimize`` itself calls) for *many
curves in lock-step*: every curve asks for a function/gradient evaluation, and all requests of one
round are answered by a single vectorised evaluation over a padded batch (see
:mod:`minibroker.gp.likelihood`).  Same algorithm, same defaults (m=10, factr=1e7
(ftol=2.22e-9), pgtol=1e-5, maxls=20, maxiter=maxfun=15000), same start and bounds -> the same
iterates up to floating-point rounding.

If scipy's private ``setulb`` is unavailable (a future scipy), :func:`fitter` returns a per-curve
``scipy.optimize.minimize`` fallback with the same fast likelihood.
"""

from __future__ import annotations

import math

import numpy as np

from .likelihood import LENGTH_SCALE_INIT, theta_bounds

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

_LOG_LS0 = float(np.log(LENGTH_SCALE_INIT))  # initial log length scale

#: scipy's task codes -> the message of a fit (4 is convergence)
MESSAGES = {4: "CONVERGENCE", 5: "STOP", 6: "WARNING", 7: "ERROR", 8: "ABNORMAL"}
CONVERGED = 4


def initial_theta(batch):
    """The starting point of every curve of ``batch``, (B, 2): ``log(0.5*median(e)**2),
    log(10)`` (not clipped to the bounds: L-BFGS-B clips, as scipy does).  The median is the
    mean of the middle one or two sorted errors, exactly as ``np.median``."""
    s = np.sort(np.where(batch.mask, batch.e, np.inf), axis=1)
    rows = np.arange(batch.size)
    med = (s[rows, (batch.n - 1) // 2] + s[rows, batch.n // 2]) / 2
    with np.errstate(divide="ignore"):
        return np.column_stack([np.log(0.5 * med ** 2), np.full(batch.size, _LOG_LS0)])


def fit_lockstep(batch, theta0):
    """Run scipy's L-BFGS-B for every curve of ``batch`` in lock-step.

    Returns ``(theta, lml, task, nit, nfev, factor)``: final log
    hyperparameters (B, 2), log-marginal likelihoods, scipy's task codes,
    iteration and evaluation counts, and ``factor = (Li, alpha, have)``: the
    factorisation of each curve's last evaluation, valid where ``have`` (the
    last evaluation was at the final theta), see :func:`minibroker.gp.posterior.factors`.
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


def fit_minimize(batch, theta0):  # pragma: no cover - fallback path
    """Per-curve ``scipy.optimize.minimize`` (same optimiser as sklearn); same returns as
    :func:`fit_lockstep`, without a factorisation."""
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


def fitter():
    """The batch optimiser of this scipy: :func:`fit_lockstep`, or :func:`fit_minimize`."""
    return fit_lockstep if _SETULB is not None else fit_minimize
