"""Light-curve statistics as pure functions over numpy arrays (no database, easy to test).

Conventions (the original LSSTC-DSFP mini-broker exercise's), with ``f`` the fluxes and ``e``
their 1-sigma errors for one object in one band:

- ``weighted_mean``  w = sum(f * (f/e)**2) / sum((f/e)**2): an SNR**2-weighted mean flux
  (not the inverse-variance mean). NULL (None) when every flux is 0.
- ``norm_std``       std(f / w, ddof=1): sample standard deviation of the normalised fluxes.
- ``norm_amplitude`` (max f - min f) / w: signed, negative when w < 0.
- ``norm_mad``       median(|(f - median f) / w|).
- ``beyond_1std``    fraction of points with |f - w| > std(f, ddof=1).
- ``skew``           biased Fisher-Pearson skewness m3 / m2**1.5 (scipy.stats.skew's default);
  None when the sample is constant to rounding (as scipy gives NaN there).
- ``stdev``          std(x, ddof=1);  ``mad``  median(|x - median x|)  (plain, unnormalised).

``udf.batch`` computes all of them for many groups at once (the path ``make features`` takes).
Degenerate input returns None, never raises: no points, one point where ddof=1 is needed,
or w = 0 / undefined.
"""

import math
import sys

import numpy as np

_EPS = np.finfo(np.float64).eps


def weighted_mean(f: np.ndarray, e: np.ndarray) -> float | None:
    if f.size == 0:
        return None
    snr2 = (f / e) ** 2
    denom = snr2.sum()
    if denom == 0 or not math.isfinite(denom):
        return None
    return float((f * snr2).sum() / denom)


def stdev(x: np.ndarray) -> float | None:
    return float(np.std(x, ddof=1)) if x.size >= 2 else None


def mad(x: np.ndarray) -> float | None:
    return float(np.median(np.abs(x - np.median(x)))) if x.size else None


def skew(x: np.ndarray) -> float | None:
    if x.size == 0:
        return None
    mean = x.mean()
    d = x - mean
    m2 = np.mean(d**2)
    if m2 <= (_EPS * mean) ** 2:  # constant to rounding: undefined, as in scipy
        return None
    denom = m2**1.5
    if denom == 0:  # m2 subnormal: the ratio is not representable
        return None
    return float(np.mean(d**3) / denom)


def norm_std(f: np.ndarray, e: np.ndarray) -> float | None:
    w = weighted_mean(f, e)
    return None if w is None or w == 0 else stdev(f / w)


def norm_amplitude(f: np.ndarray, e: np.ndarray) -> float | None:
    w = weighted_mean(f, e)
    return None if w is None or w == 0 else float((f.max() - f.min()) / w)


def norm_mad(f: np.ndarray, e: np.ndarray) -> float | None:
    w = weighted_mean(f, e)
    return None if w is None or w == 0 else float(np.median(np.abs((f - np.median(f)) / w)))


def beyond_1std(f: np.ndarray, e: np.ndarray) -> float | None:
    w = weighted_mean(f, e)
    if w is None or f.size < 2:
        return None
    return float(np.count_nonzero(np.abs(f - w) > np.std(f, ddof=1)) / f.size)


_MAX = sys.float_info.max


def colour(w_x: float | None, w_y: float | None) -> float | None:
    """Mean colour X - Y in magnitudes: -2.5 log10(w_x / w_y); -999 when either mean is <= 0.

    Where the ratio under- or overflows (means over ~300 decades apart) the same colour comes from
    the difference of the logs (as sql/features/store.sql.j2)."""
    if w_x is None or w_y is None:
        return None
    if w_x > 0 and w_y > 0:
        ratio = w_x / w_y
        if 0 < ratio <= _MAX:
            return -2.5 * math.log10(ratio)
        return -2.5 * (math.log10(w_x) - math.log10(w_y))
    return -999.0
