"""LSST-like observing: when an object is observed, in which band, and how noisily.

Cadence model (:func:`draw_cadence`), per object:

* a baseline of 1.5-3 years (so at least two seasons) starting within the first year after
  :data:`~sim.constants.SURVEY_START_MJD`;
* observing seasons: the field is observable for 150-200 consecutive nights
  per year (the phase of the season within the year is random per object),
  with no data in the gaps between seasons;
* each in-season night is observed with a fixed probability (weather,
  scheduling), chosen so that the light curve has ~100-300 points in total;
* each observed night holds 1, 2 (most often) or 3 visits spaced ~22-50 min
  apart, the first visit between 0.03 and 0.30 d after midnight UTC (MJD
  fraction), so every visit of night ``N`` has ``floor(t) == N``;
* the first band of a night is drawn with LSST wide-fast-deep filter weights,
  later visits of the night repeat the band or step to a neighbouring filter
  (g+r, r+i, i+z, ... pairs).

Noise model (:func:`flux_error`): per-visit 5-sigma limiting magnitude
``m5 = M5[band] + night offset + visit scatter`` (occasional cloudy nights are
much shallower), and the LSST overview-paper photometric error
``sigma_mag**2 = (0.04 - gamma) x + gamma x**2 + 0.005**2`` with
``x = 10**(0.4 (m - m5))``, written in flux form so it stays finite for a
source of zero flux.  The flux entering the noise is the *total* flux in the
science image (source plus host or reference), so difference fluxes of faint
sources have large relative errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import NBANDS, SURVEY_START_MJD, mag_to_flux

#: Median single-visit 5-sigma depths (AB mag) in u g r i z y.
M5 = np.array([23.9, 25.0, 24.7, 24.0, 23.3, 22.1])
#: Band-dependent gamma of the LSST error model (u g r i z y).
GAMMA = np.array([0.038, 0.039, 0.039, 0.039, 0.039, 0.039])
#: Relative frequency of each filter as the first visit of a night.
BAND_WEIGHTS = np.array([0.07, 0.10, 0.22, 0.22, 0.20, 0.19])
#: Systematic magnitude error floor added in quadrature.
SIGMA_SYS_MAG = 0.005
#: Probability that a point is an outlier (bad subtraction, cosmic ray...).
OUTLIER_RATE = 0.003

_MAG_FACTOR = 2.5 / np.log(10.0)  # 1.0857: d(mag) = 1.0857 d(flux)/flux
_VISITS_PER_NIGHT = np.array([1, 2, 3])
_VISITS_P = np.array([0.15, 0.70, 0.15])
_BAND_STEP = np.array([0, 1, -1])
_BAND_STEP_P = np.array([0.35, 0.45, 0.20])


def _cdf(p):
    c = np.cumsum(p)
    c /= c[-1]
    c[-1] = 2.0  # uniform draws in [0, 1) never fall past the last bin
    return c


_VISITS_CDF = _cdf(_VISITS_P)
_BAND_CDF = _cdf(BAND_WEIGHTS)
_STEP_CDF = _cdf(_BAND_STEP_P)


@dataclass
class Cadence:
    """Observations of one object, sorted by time.

    Attributes:
        t: visit times (MJD), strictly increasing.
        band: band index per visit (0..5 for u..y).
        m5: 5-sigma limiting magnitude of each visit (AB mag).
        night: integer night (``floor(t)``) of each visit.
    """

    t: np.ndarray
    band: np.ndarray
    m5: np.ndarray
    night: np.ndarray


def draw_cadence(rng: np.random.Generator, n_target: int | None = None) -> Cadence:
    """Draw an LSST-like multi-season, multi-band cadence for one object.

    ``n_target`` (default: uniform 100-300) is the approximate total number of
    visits; the realised number scatters around it by ~10% (binomial night selection).
    """
    if n_target is None:
        n_target = int(rng.integers(100, 301))
    years = rng.uniform(1.5, 3.0)
    start = SURVEY_START_MJD + float(np.floor(rng.uniform(0.0, 365.0)))
    season_phase = rng.uniform(0.0, 365.25)
    season_len = rng.uniform(150.0, 200.0)
    day = np.arange(int(365.25 * years))
    day = day[np.mod(day - season_phase, 365.25) < season_len]  # in-season nights
    # Each in-season night is observed with the same probability (weather,
    # scheduling), chosen to give ~n_target visits at ~2 visits per night.
    keep = rng.random(day.size) < min(1.0, n_target / 2.0 / day.size)
    if not keep.any():
        keep[rng.integers(day.size)] = True
    nights = start + day[keep]
    n_nights = nights.size
    nvis = _VISITS_PER_NIGHT[np.searchsorted(_VISITS_CDF, rng.random(n_nights), side="right")]
    night_idx = np.repeat(np.arange(n_nights), nvis)
    n = night_idx.size
    first = np.zeros(n, dtype=bool)
    first_pos = np.cumsum(nvis) - nvis
    first[first_pos] = True

    # Time after the night's first visit: 0 for the first, then cumulative
    # 22-50 minute gaps.
    gaps = np.where(first, 0.0, rng.uniform(0.015, 0.035, size=n))
    csum = np.cumsum(gaps)
    offset = csum - csum[first_pos][night_idx]
    t = nights[night_idx] + rng.uniform(0.03, 0.30, size=n_nights)[night_idx] + offset

    base_band = np.searchsorted(_BAND_CDF, rng.random(n_nights), side="right")
    steps = np.where(first, 0, _BAND_STEP[np.searchsorted(_STEP_CDF, rng.random(n), side="right")])
    ssum = np.cumsum(steps)
    band = np.minimum(np.maximum(base_band[night_idx] + ssum - ssum[first_pos][night_idx], 0),
                      NBANDS - 1)

    # Depth: per-night seeing/sky offset, cloudy nights, per-visit scatter.
    night_off = rng.normal(0.0, 0.25, size=n_nights)
    night_off -= np.where(rng.random(n_nights) < 0.05, rng.uniform(0.5, 1.5, size=n_nights), 0.0)
    m5 = M5[band] + night_off[night_idx] + rng.normal(0.0, 0.1, size=n)

    return Cadence(t=t, band=band.astype(np.int64), m5=m5, night=nights[night_idx].astype(np.int64))


def flux_error(total_flux, m5, band):
    """One-sigma flux uncertainty (ZP 27.5 flux units) of a visit.

    Args:
        total_flux: flux of everything at the position in the science image
            (source plus host/reference), clipped at 0 (array).
        m5: 5-sigma limiting magnitude of each visit (array).
        band: band index of each visit (array, for the band-dependent gamma).

    This is the LSST error model ``sigma_m**2 = (0.04-g) x + g x**2`` with
    ``x = F5 / F`` multiplied through by ``F**2`` so that it is finite at
    ``F = 0`` (where it tends to ``sqrt(g) F5 / 1.0857 ~ F5 / 5.5``, the
    sky-limited error), plus a 0.005 mag systematic floor.  Always > 0.
    """
    f = np.maximum(np.asarray(total_flux, dtype=float), 0.0)
    f5 = mag_to_flux(m5)
    g = GAMMA[band]
    var = (0.04 - g) * f5 * f + g * f5 * f5 + (SIGMA_SYS_MAG * f) ** 2
    return np.sqrt(var) / _MAG_FACTOR


def observe(rng: np.random.Generator, cad: Cadence, diff_flux, noise_flux):
    """Add noise and outliers to noiseless difference fluxes.

    Args:
        rng: the object's generator.
        cad: the cadence (for depths and bands).
        diff_flux: noiseless difference flux (source minus reference).
        noise_flux: total flux in the science image, which sets the noise.

    Returns:
        ``(flux, dflux)``: observed difference flux and its reported error.
        About :data:`OUTLIER_RATE` of the points are shifted by 5-30 sigma
        (their reported error is unchanged, as for real bad subtractions).
    """
    dflux = flux_error(noise_flux, cad.m5, cad.band)
    n = dflux.size
    flux = diff_flux + dflux * rng.standard_normal(n)
    bad = rng.random(n) < OUTLIER_RATE
    if bad.any():
        k = int(bad.sum())
        flux[bad] += rng.choice([-1.0, 1.0], size=k) * rng.uniform(5.0, 30.0, size=k) * dflux[bad]
    return flux, dflux
