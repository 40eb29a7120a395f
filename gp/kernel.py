"""Matern nu=5/2 covariance with an amplitude, as in scikit-learn's
``ConstantKernel(amplitude) * Matern(length_scale, nu=2.5)`` for 1-D inputs.

    k(t, t') = a * (1 + r + r**2/3) * exp(-r),   r = sqrt(5) * |t - t'| / l

Derivatives are taken with respect to the *log* hyperparameters, like
scikit-learn's ``eval_gradient=True``:

    dk/dlog(a) = k
    dk/dlog(l) = a * (r**2 / 3) * (1 + r) * exp(-r)

All functions broadcast over leading (batch) dimensions.
"""

from __future__ import annotations

import numpy as np

SQRT5 = float(np.sqrt(5.0))


def _as_batch(x):
    return np.asarray(x, dtype=float)


def matern52(t1, t2, amplitude, length_scale):
    """Covariance matrix ``k(t1[..., i], t2[..., j])``.

    ``t1``: (..., n), ``t2``: (..., m), ``amplitude``/``length_scale``:
    scalars or arrays of the batch shape ``(...)``.  Returns (..., n, m).
    """
    t1 = _as_batch(t1)
    t2 = _as_batch(t2)
    a = _as_batch(amplitude)[..., None, None]
    ls = _as_batch(length_scale)[..., None, None]
    r = np.abs(t1[..., :, None] - t2[..., None, :]) * (SQRT5 / ls)
    return a * ((1.0 + r + r * r / 3.0) * np.exp(-r))


def matern52_from_dist(dist, amplitude, length_scale):
    """Kernel and its log-hyperparameter derivatives from |t - t'|.

    Returns ``(K, dK_dlog_amplitude, dK_dlog_length_scale)``, each shaped
    like ``dist`` (..., n, m).
    """
    a = _as_batch(amplitude)[..., None, None]
    ls = _as_batch(length_scale)[..., None, None]
    r = dist * (SQRT5 / ls)
    ex = np.exp(-r)
    r2_3 = r * r / 3.0
    aex = a * ex
    K = aex * (1.0 + r + r2_3)
    dK_dl = aex * r2_3 * (1.0 + r)
    return K, K, dK_dl


def matern52_grad(t, amplitude, length_scale):
    """``K(t, t)`` and its gradient w.r.t. (log amplitude, log length scale).

    Returns ``(K, G)`` with ``G`` of shape (..., n, n, 2) -- the same layout
    as scikit-learn's ``kernel(X, eval_gradient=True)``.
    """
    t = _as_batch(t)
    dist = np.abs(t[..., :, None] - t[..., None, :])
    K, dKa, dKl = matern52_from_dist(dist, amplitude, length_scale)
    return K, np.stack([dKa, dKl], axis=-1)
