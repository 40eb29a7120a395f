"""Where a GP fit can be believed: the flags of a fit, and the stretch of its grid the data constrain.

Pure functions over arrays.  :func:`at_bound` and :func:`bad_fit` say in Python what migration 005's
computed columns ``lcGPFeats.atBound`` and ``badFit`` say in SQL (a test checks that they agree);
they serve fits made outside ``make gp`` (a plot fitting on the fly).  :func:`constrained` masks the
grid points too far from any observation for the posterior to be more than the prior: across a
season gap a Matérn GP returns to its zero mean with the prior's spread, which is a guess, not a fit.
"""

from __future__ import annotations

import numpy as np

from .likelihood import AMPLITUDE_BOUNDS, LENGTH_SCALE_BOUNDS

BAD_FIT_CHI2 = 5.0   # reduced chi2 above this: the fit does not describe the data (lcGPFeats.badFit)
REACH = 2.0          # grid points farther than REACH length scales from every observation are masked
_REL = 1e-6          # "on a bound": within this relative distance of it (as migration 005)


def at_bound(amplitude: float, length_scale: float) -> bool | None:
    """True when the amplitude or the length scale ended on its bound; None when not fitted."""
    if amplitude is None or length_scale is None or not (np.isfinite(amplitude) and np.isfinite(length_scale)):
        return None
    (alo, ahi), (llo, lhi) = AMPLITUDE_BOUNDS, LENGTH_SCALE_BOUNDS
    return bool(length_scale <= llo * (1 + _REL) or length_scale >= lhi * (1 - _REL)
                or amplitude <= alo * (1 + _REL) or amplitude >= ahi * (1 - _REL))


def bad_fit(chi2_red: float | None) -> bool | None:
    """True when the reduced chi2 of the fit against its observations exceeds :data:`BAD_FIT_CHI2`."""
    if chi2_red is None or not np.isfinite(chi2_red):
        return None
    return bool(chi2_red > BAD_FIT_CHI2)


def constrained(grid, t_obs, length_scale: float, reach: float = REACH) -> np.ndarray:
    """Boolean mask of ``grid``: True where some observation lies within ``reach * length_scale``
    days.  All False when there are no observations or the length scale is not a positive number."""
    grid = np.asarray(grid, dtype=float)
    t = np.sort(np.asarray(t_obs, dtype=float)[np.isfinite(t_obs)])
    if not len(t) or not (length_scale is not None and np.isfinite(length_scale) and length_scale > 0):
        return np.zeros(grid.shape, dtype=bool)
    i = np.searchsorted(t, grid)
    left = np.abs(grid - t[np.clip(i - 1, 0, len(t) - 1)])
    right = np.abs(t[np.clip(i, 0, len(t) - 1)] - grid)
    return np.minimum(left, right) <= reach * length_scale
