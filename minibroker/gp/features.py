"""Features of one object-band derived from its fitted GP curve.

Definitions (all times in the units of ``t``, i.e. days for MJD):

``n_points``       number of observations in the band.
``peak_flux``      maximum of the posterior mean on the grid.
``peak_time``      grid time of that maximum.
``rise_time``      ``peak_time - t_half_rise`` where ``t_half_rise`` is the last
                   time *before* the peak at which the mean crosses
                   ``peak_flux/2`` (linear interpolation between grid points).
                   If the mean never drops below half the peak before the
                   peak, ``t_half_rise`` is the first grid point (so the
                   value is a lower limit) and ``rise_censored`` is True.
``decline_time``   ``t_half_decline - peak_time`` with ``t_half_decline`` the
                   first crossing of ``peak_flux/2`` *after* the peak; NaN if
                   the mean never declines to half the peak within the grid.
``length_scale``   fitted Matern length scale.
``amplitude``      fitted kernel amplitude (variance, flux**2).
``log_marginal_likelihood``  at the fitted hyperparameters.
``chi2_red``       ``sum(((f - mean(t_obs)) / e)**2) / (n_points - 2)``: the
                   reduced chi-square of the posterior mean at the
                   observations, with the two hyperparameters as fitted
                   parameters.
``converged``      the optimiser's convergence flag.

Half-peak times are only defined for a positive peak; with
``peak_flux <= 0`` rise/decline times are NaN.  Bands with fewer than
3 points, or whose fit failed, get NaN for every value (``n_points`` stays).
"""

from __future__ import annotations

import math

import numpy as np

from .posterior import predict

FEATURE_NAMES = (
    "n_points",
    "peak_flux",
    "peak_time",
    "rise_time",
    "rise_censored",
    "decline_time",
    "length_scale",
    "amplitude",
    "log_marginal_likelihood",
    "chi2_red",
    "converged",
)

MIN_POINTS = 3


def nan_features(n_points=0):
    """The feature dict of a band that could not be fitted."""
    d = {k: math.nan for k in FEATURE_NAMES}
    d["n_points"] = int(n_points)
    d["rise_censored"] = None
    d["converged"] = None
    return d


def _crossing(x0, y0, x1, y1, level):
    """Time where the segment (x0,y0)-(x1,y1) crosses ``level``."""
    if y1 == y0:
        return float(x0)
    return float(x0 + (level - y0) * (x1 - x0) / (y1 - y0))


def half_peak_times(grid, mean):
    """``(peak_time, peak_flux, t_half_rise, rise_censored, t_half_decline)``."""
    grid = np.asarray(grid, dtype=float)
    mean = np.asarray(mean, dtype=float)
    k = int(np.argmax(mean))
    peak_t = float(grid[k])
    peak = float(mean[k])
    if not peak > 0:
        return peak_t, peak, math.nan, None, math.nan
    half = 0.5 * peak
    below = mean < half
    # rise: last grid index before the peak below half
    pre = np.nonzero(below[:k])[0]
    if len(pre):
        j = int(pre[-1])
        t_rise = _crossing(grid[j], mean[j], grid[j + 1], mean[j + 1], half)
        censored = False
    else:
        t_rise = float(grid[0])
        censored = True
    post = np.nonzero(below[k + 1 :])[0]
    if len(post):
        j = k + 1 + int(post[0])
        t_dec = _crossing(grid[j - 1], mean[j - 1], grid[j], mean[j], half)
    else:
        t_dec = math.nan
    return peak_t, peak, t_rise, censored, t_dec


def gp_features(t, f, e, grid, mean, std, fit, mean_obs=None, std_obs=None):
    """Features of one band (see module docstring).

    ``mean_obs``: posterior mean at the observation times ``t`` (computed
    from ``fit`` if not given).  Never raises on degenerate input; returns
    NaNs instead.
    """
    t = np.asarray(t, dtype=float)
    f = np.asarray(f, dtype=float)
    e = np.asarray(e, dtype=float)
    n = len(t)
    if (n < MIN_POINTS or fit is None or not np.isfinite(fit.amplitude)
            or mean is None or len(mean) == 0 or not np.all(np.isfinite(mean))):
        return nan_features(n)
    if mean_obs is None:
        _, _, _, mean_obs, _ = predict(t, f, e, fit, grid=grid, return_obs=True)
    peak_t, peak, t_rise, censored, t_dec = half_peak_times(grid, mean)
    chi2 = float(np.sum(((f - mean_obs) / e) ** 2))
    return {
        "n_points": int(n),
        "peak_flux": peak,
        "peak_time": peak_t,
        "rise_time": peak_t - t_rise if np.isfinite(t_rise) else math.nan,
        "rise_censored": censored,
        "decline_time": t_dec - peak_t if np.isfinite(t_dec) else math.nan,
        "length_scale": float(fit.length_scale),
        "amplitude": float(fit.amplitude),
        "log_marginal_likelihood": float(fit.log_marginal_likelihood),
        "chi2_red": chi2 / (n - 2),
        "converged": bool(fit.converged),
    }


def _crossings(x0, y0, x1, y1, level):
    """Vectorised :func:`_crossing`."""
    dy = y1 - y0
    with np.errstate(divide="ignore", invalid="ignore"):
        x = x0 + (level - y0) * (x1 - x0) / dy
    return np.where(dy == 0, x0, x)


def feature_table(grid, mean, n, f, e, mask, mean_obs, amplitude, length_scale, lml, converged):
    """:func:`gp_features` of many bands at once, as a (B, len(FEATURE_NAMES)) float array.

    ``grid``/``mean``: (B, G); ``f``, ``e``, ``mean_obs``: (B, nmax) padded, ``mask`` marks the
    real points; the rest are (B,) per band.  ``None`` is stored as NaN and booleans as 0/1 (see
    :func:`table_row_dict`).  Same definitions and arithmetic as :func:`gp_features`.
    """
    B, G = mean.shape
    rows = np.arange(B)
    J = np.arange(G)
    k = np.argmax(mean, axis=1)
    peak, peak_t = mean[rows, k], grid[rows, k]
    half = 0.5 * peak
    below = mean < half[:, None]
    pre = np.where(below & (J < k[:, None]), J, -1).max(axis=1)  # last below half before peak
    post = np.where(below & (J > k[:, None]), J, G).min(axis=1)  # first below half after it
    censored = pre < 0
    j0 = np.maximum(pre, 0)
    j1 = np.minimum(j0 + 1, G - 1)
    t_rise = np.where(censored, grid[:, 0],
                      _crossings(grid[rows, j0], mean[rows, j0], grid[rows, j1], mean[rows, j1], half))
    p1 = np.minimum(post, G - 1)
    p0 = np.maximum(p1 - 1, 0)
    t_dec = np.where(post < G, _crossings(grid[rows, p0], mean[rows, p0], grid[rows, p1],
                                          mean[rows, p1], half), np.nan)
    positive = peak > 0
    chi2 = np.where(mask, ((f - mean_obs) / e) ** 2, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2_red = chi2 / (n - 2)
    out = np.column_stack([
        n, peak, peak_t,
        np.where(positive, peak_t - t_rise, np.nan),
        np.where(positive, censored, np.nan),
        np.where(positive, t_dec - peak_t, np.nan),
        length_scale, amplitude, lml, chi2_red, converged,
    ]).astype(float)
    bad = ~((n >= MIN_POINTS) & np.isfinite(amplitude) & (G > 0) & np.isfinite(mean).all(axis=1))
    out[bad, 1:] = np.nan
    return out


def table_row_dict(row):
    """The :func:`gp_features` dict of one row of :func:`feature_table` (or of NaN + n_points)."""
    d = dict(zip(FEATURE_NAMES, row.tolist()))
    d["n_points"] = int(d["n_points"])
    for key in ("rise_censored", "converged"):
        v = d[key]
        d[key] = None if v != v else bool(v)
    return d
