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
to every point (so their covariance is ~1e-280 of the amplitude: nothing).
They then contribute nothing to the likelihood, its gradient or the
predictions.  ``exp(-r)`` is evaluated as ``exp(max(-r, -700))``: numpy's
exp is several times slower where it underflows (r > 708), and the result
differs only by amounts below 1e-300.

Per evaluation, the elementwise work runs on the whole padded batch (in
reused :func:`scratch` arrays, which stay in cache), the factorisations are
one LAPACK ``dpotrf`` + ``dtrtri`` per curve, and ``K^-1`` one batched
matrix product.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from scipy.linalg.lapack import dpotrf as _dpotrf
from scipy.linalg.lapack import dtrtri as _dtrtri

from .kernel import SQRT5

#: scikit-learn's default ``constant_value_bounds`` for ``float * kernel``
AMPLITUDE_BOUNDS = (1e-5, 1e5)
#: the length-scale bounds of the model
LENGTH_SCALE_BOUNDS = (1.0, 20.0)
#: initial length scale
LENGTH_SCALE_INIT = 10.0

_PAD_DIST = 1e6  # r >= sqrt(5)*1e6/20: covariance ~1e-280, i.e. nothing
MIN_EXP = -700.0  # exp(x < -708) is 5-20x slower (underflow path); exp(-700) ~ 1e-304
_LOG2PI = math.log(2.0 * math.pi)


_SCRATCH = threading.local()


def scratch(name, shape):
    """A reusable work array of ``shape`` (per thread; contents undefined, valid
    until the next request of ``name``).  Fresh large arrays cost page faults
    and cache misses on every evaluation; these stay warm."""
    size = math.prod(shape)
    buf = getattr(_SCRATCH, name, None)
    if buf is None or buf.size < size:
        buf = np.empty(size)
        setattr(_SCRATCH, name, buf)
    return buf[:size].reshape(shape)


def theta_bounds():
    """Bounds in log space, shape (2, 2): rows (log amplitude, log length)."""
    return np.log(np.array([AMPLITUDE_BOUNDS, LENGTH_SCALE_BOUNDS], dtype=float))


def chol_inv(K):
    """Inverse Cholesky factors of a stack of SPD matrices, in place.

    Returns ``(Li, ok)``: ``Li[b] = inv(cholesky(K[b]))`` (lower triangular,
    stored in ``K``) and ``ok[b]`` False where ``K[b]`` is not positive
    definite (``Li[b]`` is then the identity).

    A C-ordered matrix ``K[b]`` is, seen as a Fortran array, ``K[b].T``: LAPACK's
    upper-triangular routines on it, in place, give the lower-triangular factor and its inverse
    in C order, without the transposing copies f2py would otherwise make.
    """
    ok = np.ones(K.shape[0], dtype=bool)
    for b in range(K.shape[0]):
        c, info = _dpotrf(K[b].T, 0, 1, 1)  # upper, clean, overwrite
        if info == 0:
            info = _dtrtri(c, 0, 0, 1)[1]  # upper, non-unit diagonal, overwrite
        if info != 0:
            ok[b] = False
            K[b] = np.eye(K.shape[1])
    return K, ok


class CurveBatch:
    """Light curves padded to a common length, with precomputed distances.

    ``curves``: sequence of (t, f, e) arrays (each 1-D, length >= 1).
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
        E = np.ones((B, nmax))  # errors; 1 on padding
        for b, (t, f, e) in enumerate(curves):
            k = len(t)
            T[b, :k] = t
            F[b, :k] = f
            E[b, :k] = e
        mask = np.arange(nmax) < ns[:, None]
        self.t, self.f, self.e, self.noise, self.mask = T, F, E, E * E, mask
        dist = np.abs(T[:, :, None] - T[:, None, :])
        if not mask.all():
            dist[~(mask[:, :, None] & mask[:, None, :])] = _PAD_DIST
        self.dist = dist

    def take(self, idx):
        """The curves ``idx`` as a new batch (same padded length)."""
        sub = object.__new__(CurveBatch)
        sub.size, sub.nmax = len(idx), self.nmax
        for name in ("n", "t", "f", "e", "noise", "mask", "dist"):
            setattr(sub, name, np.take(getattr(self, name), idx, axis=0))
        return sub

    # ------------------------------------------------------------------
    def kernel_matrices(self, theta, grad=True):
        """K (with noise) and dK/dlog(length) at ``theta`` (B, 2), in :func:`scratch` arrays."""
        shape = self.dist.shape
        a = np.exp(theta[:, 0])[:, None, None]
        c = SQRT5 / np.exp(theta[:, 1])
        nr = np.multiply(self.dist, (-c)[:, None, None], out=scratch("nr", shape))  # -r
        ex = np.maximum(nr, MIN_EXP, out=scratch("ex", shape))  # exp(< -708) is slow
        np.exp(ex, out=ex)
        ex *= a                                   # a * exp(-r)
        K = np.multiply(nr, nr, out=scratch("K", shape))
        K *= 1.0 / 3.0                            # r**2/3
        dKl = None
        if grad:
            dKl = np.subtract(1.0, nr, out=scratch("dKl", shape))  # 1 + r
            dKl *= K                              # r**2/3 * (1 + r)
            dKl *= ex
        K -= nr
        K += 1.0
        K *= ex                                   # a * (1 + r + r**2/3) * exp(-r)
        K.reshape(self.size, -1)[:, :: self.nmax + 1] += self.noise
        return K, dKl

    def lml(self, theta, grad=True, keep=None):
        """Log-marginal likelihood (B,) and gradient (B, 2) at ``theta`` (B, 2).

        If ``keep`` is a dict, the inverse Cholesky factors ``Li`` (a
        :func:`scratch` array: copy it) and ``alpha = K^-1 f`` are stored in
        it.  A curve whose covariance is not positive definite gets ``-inf``
        and a zero gradient (as sklearn).
        """
        theta = np.asarray(theta, dtype=float)
        K, dKl = self.kernel_matrices(theta, grad)
        y, noise = self.f, self.noise
        Li, ok = chol_inv(K)            # K is overwritten
        Kinv = np.matmul(np.swapaxes(Li, 1, 2), Li, out=scratch("Kinv", K.shape))
        alpha = np.matmul(Kinv, y[:, :, None])[:, :, 0]
        logdet_half = -np.log(np.diagonal(Li, axis1=1, axis2=2)).sum(axis=1)
        yalpha = np.einsum("bi,bi->b", y, alpha)
        lml = -0.5 * yalpha - logdet_half - 0.5 * self.n * _LOG2PI
        if keep is not None:  # factorisation for reuse by the caller
            keep["Li"] = Li
            keep["alpha"] = alpha
        g = None
        if grad:
            g = np.empty((len(lml), 2))
            # d/dlog a: dK = K - diag(noise) on the real block
            #   alpha^T dK alpha = y.alpha - sum(alpha^2 noise)
            #   tr(Kinv dK) = nmax - sum(diag(Kinv) * noise) (padding: 1 - 1*1 = 0)
            kd = np.diagonal(Kinv, axis1=1, axis2=2)
            a2n = np.einsum("bi,bi->b", alpha * alpha, noise)
            g[:, 0] = 0.5 * ((yalpha - a2n) - (self.nmax - np.einsum("bi,bi->b", kd, noise)))
            # d/dlog l: 0.5 * (alpha^T dK alpha - tr(Kinv dK))
            quad = np.einsum("bi,bi->b", alpha, np.matmul(dKl, alpha[:, :, None])[:, :, 0])
            tr = np.einsum("bij,bij->b", Kinv, dKl)
            g[:, 1] = 0.5 * (quad - tr)
        if not ok.all():
            lml[~ok] = -np.inf
            if grad:
                g[~ok] = 0.0
        return lml, g


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
