"""Matern nu=5/2 covariance with an amplitude, as in scikit-learn's
``ConstantKernel(amplitude) * Matern(length_scale, nu=2.5)`` for 1-D inputs.

    k(t, t') = a * (1 + r + r**2/3) * exp(-r),   r = sqrt(5) * |t - t'| / l

Derivatives are taken with respect to the *log* hyperparameters, like
scikit-learn's ``eval_gradient=True``:

    dk/dlog(a) = k
    dk/dlog(l) = a * (r**2 / 3) * (1 + r) * exp(-r)

For speed the kernel is evaluated inline, in reused work arrays, where it is needed:
:meth:`minibroker.gp.likelihood.CurveBatch.kernel_matrices` (K and dK/dlog(l)) and
:func:`minibroker.gp.posterior.predict_bucket` (k between observations and grid).
"""

import math

SQRT5 = math.sqrt(5.0)
