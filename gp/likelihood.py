"""Log-marginal likelihood of the zero-mean GP and its analytic gradient.

Hyperparameters are ``theta = (log amplitude, log length_scale)`` exactly as
scikit-learn's ``kernel.theta`` for ``ConstantKernel * Matern``.  The
likelihood is scikit-learn's Algorithm 2.1 (Rasmussen & Williams):

    K     = k(t, t) + diag(e**2)
    alpha = K^-1 f
    lml   = -0.5 f.alpha - sum(log diag(chol K)) - n/2 log(2 pi)
    dlml/dtheta_k = 0.5 * trace((alpha alpha^T - K^-1) dK/dtheta_k)

Curves of different lengths are evaluated together by padding them to a
common length: padded entries get unit noise, zero flux and a huge distance
to every point (so their covariance is exactly zero).  They then contribute
nothing to the likelihood, its gradient or the predictions.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg.lapack import dtrtri as _dtrtri

from .kernel import SQRT5

#: scikit-learn's default ``constant_value_bounds`` for ``float * kernel``
AMPLITUDE_BOUNDS = (1e-5, 1e5)
#: the length-scale bounds of the model
LENGTH_SCALE_BOUNDS = (1.0, 20.0)
#: initial length scale
LENGTH_SCALE_INIT = 10.0

_PAD_DIST = 1e6  # r >= sqrt(5)*1e6/20 -> exp(-r) == 0 exactly
_LOG2PI = math.log(2.0 * math.pi)


def theta_bounds():
    """Bounds in log space, shape (2, 2): rows (log amplitude, log length)."""
    return np.log(np.array([AMPLITUDE_BOUNDS, LENGTH_SCALE_BOUNDS], dtype=float))


def initial_theta(e):
    """Starting point of the optimiser: ``log(0.5*median(e)**2), log(10)``.

    (Not clipped to the bounds; L-BFGS-B clips, as scipy does.)
    """
    e = np.asarray(e, dtype=float)
    with np.errstate(divide="ignore"):
        return np.array([np.log(0.5 * np.median(e) ** 2), np.log(LENGTH_SCALE_INIT)])


def tri_inv(L):
    """Inverse of a stack of lower-triangular matrices (LAPACK dtrtri).

    A C-ordered lower-triangular ``L[b]`` is, seen as a Fortran array, the
    upper-triangular ``L[b].T``: inverting that in place (``overwrite_c``)
    gives ``inv(L[b]).T`` in Fortran order, i.e. ``inv(L[b])`` in C order,
    without the transposing copies f2py would otherwise make.
    """
    out = np.array(L, dtype=np.float64, order="C", copy=True)
    for b in range(out.shape[0]):
        _dtrtri(out[b].T, lower=0, overwrite_c=1)
    return out


class CurveBatch:
    """Light curves padded to a common length, with precomputed distances.

    ``curves``: sequence of (t, f, e) arrays (each 1-D, equal length >= 1).
    """

    def __init__(self, curves):
        self.size = len(curves)
        ns = np.array([len(c[0]) for c in curves], dtype=int)
        self.n = ns
        nmax = int(ns.max()) if self.size else 0
        self.nmax = nmax
        B = self.size
        T = np.zeros((B, nmax))
        F = np.zeros((B, nmax))
        N = np.ones((B, nmax))  # noise variance; 1 on padding
        mask = np.zeros((B, nmax), dtype=bool)
        for b, (t, f, e) in enumerate(curves):
            k = len(t)
            T[b, :k] = t
            F[b, :k] = f
            N[b, :k] = np.asarray(e, dtype=float) ** 2
            mask[b, :k] = True
        self.t = T
        self.f = F
        self.noise = N
        self.mask = mask
        dist = np.abs(T[:, :, None] - T[:, None, :])
        pair = mask[:, :, None] & mask[:, None, :]
        dist[~pair] = _PAD_DIST
        self.dist = dist
        self.dist2 = dist * dist
        self._diag = np.arange(nmax)

    # ------------------------------------------------------------------
    def kernel_matrices(self, theta, idx=None, grad=True):
        """K (with noise) and dK/dlog(length) for the curves ``idx``."""
        if idx is None:
            dist, dist2, noise = self.dist, self.dist2, self.noise
        else:
            dist = np.take(self.dist, idx, axis=0)
            dist2 = np.take(self.dist2, idx, axis=0)
            noise = np.take(self.noise, idx, axis=0)
        a = np.exp(theta[:, 0])[:, None, None]
        c = SQRT5 / np.exp(theta[:, 1])
        nr = dist * (-c)[:, None, None]  # -r
        ex = np.exp(nr)
        ex *= a                       # a * exp(-r)
        K = dist2 * (c * c / 3.0)[:, None, None]  # r**2/3
        dKl = None
        if grad:
            dKl = 1.0 - nr            # 1 + r
            dKl *= K                  # r**2/3 * (1 + r)
            dKl *= ex
        K -= nr
        K += 1.0
        K *= ex                       # a * (1 + r + r**2/3) * exp(-r)
        d = self._diag
        K[:, d, d] += noise
        return K, dKl, noise

    def lml(self, theta, idx=None, grad=True, keep=None):
        """Log-marginal likelihood (B,) and gradient (B, 2) at ``theta``.

        ``theta``: (B, 2) log hyperparameters for the curves ``idx`` (all
        curves when ``idx`` is None).  If ``keep`` is a dict, the inverse
        Cholesky factors ``Li`` and ``alpha = K^-1 f`` are stored in it.  A curve whose covariance is not
        positive definite gets ``-inf`` and a zero gradient (as sklearn).
        """
        theta = np.asarray(theta, dtype=float)
        K, dKl, noise = self.kernel_matrices(theta, idx, grad)
        y = self.f if idx is None else np.take(self.f, idx, axis=0)
        n = self.n if idx is None else np.take(self.n, idx)
        try:
            L = np.linalg.cholesky(K)
        except np.linalg.LinAlgError:
            return self._lml_one_by_one(theta, idx, grad)
        Li = tri_inv(L)
        Kinv = np.matmul(np.swapaxes(Li, 1, 2), Li)
        alpha = np.matmul(Kinv, y[:, :, None])[:, :, 0]
        logdet_half = np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
        yalpha = np.einsum("bi,bi->b", y, alpha)
        lml = -0.5 * yalpha - logdet_half - 0.5 * n * _LOG2PI
        if keep is not None:  # factorisation for reuse by the caller
            keep["Li"] = Li
            keep["alpha"] = alpha
        if not grad:
            return lml, None
        g = np.empty((len(lml), 2))
        # d/dlog a: dK = K - diag(noise) on the real block
        #   alpha^T dK alpha = y.alpha - sum(alpha^2 noise)
        #   tr(Kinv dK) = nmax - sum(diag(Kinv) * noise) (padding: 1 - 1*1 = 0)
        kd = np.diagonal(Kinv, axis1=1, axis2=2)
        a2n = np.einsum("bi,bi->b", alpha * alpha, noise)
        g[:, 0] = 0.5 * ((yalpha - a2n) - (K.shape[1] - np.einsum("bi,bi->b", kd, noise)))
        # d/dlog l
        # (a 3-operand einsum is ~7x slower than a batched mat-vec here)
        quad = np.einsum("bi,bi->b", alpha, np.matmul(dKl, alpha[:, :, None])[:, :, 0])
        tr = np.einsum("bij,bij->b", Kinv, dKl)
        g[:, 1] = 0.5 * (quad - tr)
        return lml, g

    def _lml_one_by_one(self, theta, idx, grad):
        ids = np.arange(self.size) if idx is None else np.asarray(idx)
        lml = np.empty(len(ids))
        g = np.zeros((len(ids), 2))
        for k, i in enumerate(ids):
            th = theta[k : k + 1]
            K, dKl, noise = self.kernel_matrices(th, [i], grad)
            try:
                np.linalg.cholesky(K)
            except np.linalg.LinAlgError:
                lml[k] = -np.inf
                continue
            l1, g1 = self.lml(th, [i], grad)
            lml[k] = l1[0]
            if grad:
                g[k] = g1[0]
        return lml, (g if grad else None)


def log_marginal_likelihood(theta, t, f, e, eval_gradient=True):
    """LML of one light curve at ``theta = (log amplitude, log length)``.

    Returns ``lml`` or ``(lml, grad)`` like sklearn's
    ``GaussianProcessRegressor.log_marginal_likelihood``.
    """
    batch = CurveBatch([(np.asarray(t, float), np.asarray(f, float), np.asarray(e, float))])
    lml, g = batch.lml(np.asarray(theta, dtype=float).reshape(1, 2), grad=eval_gradient)
    if eval_gradient:
        return float(lml[0]), g[0]
    return float(lml[0])
