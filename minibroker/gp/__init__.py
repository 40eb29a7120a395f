"""Gaussian-process light-curve interpolation for MiniBroker.

Pure functions (no database, apart from :mod:`minibroker.gp.store`).  The model reproduces
scikit-learn's ``GaussianProcessRegressor`` with kernel
``0.5*median(e)**2 * Matern(length_scale=10, nu=2.5, length_scale_bounds=(1, 20))``
and ``alpha=e**2`` (zero mean, no normalisation, one L-BFGS-B run from the
initial hyperparameters), but fits many light curves at once.

Modules, each importing only those below it:

- :mod:`~minibroker.gp.store`      -- ``make gp``: fit pending objects, write lcGP/lcGPFeats
- :mod:`~minibroker.gp.parallel`   -- :func:`fit_predict_many` over worker processes, :func:`shutdown`
- :mod:`~minibroker.gp.pipeline`   -- fit + predict + features in one process; :class:`GPResult`
- :mod:`~minibroker.gp.features`   -- features of fitted curves (:func:`gp_features`)
- :mod:`~minibroker.gp.optimise`   -- L-BFGS-B in lock-step over a batch of curves
- :mod:`~minibroker.gp.batching`   -- the cost model grouping curves into batches and processes
- :mod:`~minibroker.gp.posterior`  -- posterior mean / std (:func:`predict`)
- :mod:`~minibroker.gp.likelihood` -- padded batches, LML and gradient (:func:`log_marginal_likelihood`)
- :mod:`~minibroker.gp.kernel`     -- the covariance function

:mod:`~minibroker.gp.bench` checks against scikit-learn (``python -m minibroker.gp.bench``).
"""

import importlib

# name -> submodule; imported on first use, so importing gp.cli (the command line) stays cheap
_LAZY = {
    "FitResult": "pipeline", "GPResult": "pipeline", "fit_predict_many": "parallel",
    "shutdown": "parallel", "predict": "posterior", "FEATURE_NAMES": "features",
    "gp_features": "features", "log_marginal_likelihood": "likelihood",
    "theta_bounds": "likelihood",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = list(_LAZY)
