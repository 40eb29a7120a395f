"""Gaussian-process light-curve interpolation for MiniBroker.

Pure functions (no database).  The model reproduces scikit-learn's
``GaussianProcessRegressor`` with kernel
``0.5*median(e)**2 * Matern(length_scale=10, nu=2.5, length_scale_bounds=(1, 20))``
and ``alpha=e**2`` (zero mean, no normalisation, one L-BFGS-B run from the
initial hyperparameters), but fits many light curves at once.

Public API
----------
- :func:`gp.fit.fit_batch`          -- fit hyperparameters of many curves
- :func:`gp.fit.predict`            -- posterior mean / std on a grid
- :func:`gp.fit.fit_predict_many`   -- fit + predict + features, batched
- :func:`gp.fit.shutdown`           -- close the worker pool (also at exit)
- :func:`gp.store.compute`          -- ``make gp``: fit pending objects, write lcGP/lcGPFeats
- :func:`gp.features.gp_features`   -- features from a fitted curve
- :func:`gp.kernel.matern52`        -- the covariance function
- :func:`gp.likelihood.log_marginal_likelihood` -- LML and gradient
"""

import importlib

# name -> submodule; imported on first use, so importing gp.cli (the command line) stays cheap
_LAZY = {
    "FitResult": "fit", "GPResult": "fit", "fit_batch": "fit", "fit_predict_many": "fit",
    "predict": "fit", "shutdown": "fit", "FEATURE_NAMES": "features", "gp_features": "features",
    "matern52": "kernel", "matern52_grad": "kernel", "log_marginal_likelihood": "likelihood",
    "initial_theta": "likelihood", "theta_bounds": "likelihood",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FitResult",
    "GPResult",
    "fit_batch",
    "fit_predict_many",
    "predict",
    "shutdown",
    "FEATURE_NAMES",
    "gp_features",
    "matern52",
    "matern52_grad",
    "log_marginal_likelihood",
    "initial_theta",
    "theta_bounds",
]
