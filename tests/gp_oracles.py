"""Reference implementations the GP tests check against (not used by the package itself)."""

import numpy as np
from scipy.linalg.lapack import dtrtri

from minibroker.gp import fit_predict_many


def tri_inv(L):
    """Inverse of a stack of lower-triangular matrices (LAPACK dtrtri).

    A C-ordered lower-triangular ``L[b]`` is, seen as a Fortran array, the
    upper-triangular ``L[b].T``: inverting that in place (``overwrite_c``)
    gives ``inv(L[b]).T`` in Fortran order, i.e. ``inv(L[b])`` in C order,
    without the transposing copies f2py would otherwise make.  (The trick
    :func:`minibroker.gp.likelihood.chol_inv` relies on.)
    """
    out = np.array(L, dtype=np.float64, order="C", copy=True)
    for b in range(out.shape[0]):
        dtrtri(out[b].T, lower=0, overwrite_c=1)
    return out


def fit_batch(curves, jobs=None):
    """Fit the GP hyperparameters of many light curves: the list of
    :class:`minibroker.gp.FitResult` in the order of ``curves``.  Curves that cannot be fitted
    (no points, non-finite values, e <= 0) get NaN hyperparameters."""
    return [r.fit for r in fit_predict_many(curves, n_grid=0, jobs=jobs,
                                            features=False, min_points=1)]
