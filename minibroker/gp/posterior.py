"""Prediction: the posterior mean and variance of fitted curves, on grids and at the
observations, for a padded batch at once (:func:`predict_bucket`) or one curve (:func:`predict`).

The factorisation of the optimiser's last evaluation is reused where it was at the final
hyperparameters (see :func:`factors`).
"""

from __future__ import annotations

import numpy as np

from .kernel import SQRT5
from .likelihood import MIN_EXP, CurveBatch, chol_inv, scratch

_PRED_CHUNK = 60000  # grid x points elements per prediction chunk


def clean(curve):
    """``(t, f, e)`` as flat float arrays."""
    t, f, e = (np.asarray(a, dtype=float).ravel() for a in curve)
    return t, f, e


def fittable(curve, min_points=1):
    """True if ``curve`` has ``min_points`` points, equal lengths, finite values and e > 0."""
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


def factors(batch, theta, factor=None):
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


def predict_bucket(batch, theta, grids, factor=None):
    """Posterior mean/var on ``grids`` (B, G) plus mean/var at observations.

    ``theta``: (B, 2) fitted log hyperparameters; ``factor``: see :func:`factors`.
    """
    Li, alpha, good = factors(batch, theta, factor)
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
        np.maximum(nr, MIN_EXP, out=Ks)         # (exp(< -708) is slow)
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


def clip_var(var):
    """sklearn sets negative predictive variances to 0 (and warns)."""
    neg = var < 0
    if np.any(neg):
        var = np.where(neg, 0.0, var)
    return var


def grids(batch, ng):
    """``np.linspace(t.min(), t.max(), ng)`` of every curve, in one call.  (A
    curve with all times equal is filled apart: in a vectorised linspace, it
    would change the rounding of the others.)"""
    tmin = np.where(batch.mask, batch.t, np.inf).min(axis=1)
    tmax = np.where(batch.mask, batch.t, -np.inf).max(axis=1)
    flat = tmax == tmin
    out = np.empty((batch.size, ng))
    out[~flat] = np.linspace(tmin[~flat], tmax[~flat], ng, axis=1)
    out[flat] = tmin[flat, None]
    return out


def predict(t, f, e, fit, grid=None, n_grid=200, return_obs=False):
    """Posterior mean and std of one light curve given fitted ``fit``.

    ``grid`` defaults to ``np.linspace(t.min(), t.max(), n_grid)``.
    Returns ``(grid, mean, std)``; with ``return_obs=True`` also the
    posterior mean and std at the observation times.
    """
    t, f, e = clean((t, f, e))
    if grid is None:
        grid = np.linspace(t.min(), t.max(), n_grid)
    grid = np.asarray(grid, dtype=float)
    if not np.isfinite(fit.amplitude) or not fittable((t, f, e)):
        nan = np.full(grid.shape, np.nan)
        obs = np.full(t.shape, np.nan)
        return (grid, nan, nan, obs, obs) if return_obs else (grid, nan, nan)
    batch = CurveBatch([(t, f, e)])
    theta = np.log([[fit.amplitude, fit.length_scale]])
    m, v, mo, vo = predict_bucket(batch, theta, grid[None, :])
    std = np.sqrt(clip_var(v[0]))
    if return_obs:
        return grid, m[0], std, mo[0], np.sqrt(clip_var(vo[0]))
    return grid, m[0], std
