"""Transient templates and priors: SN Ia and core-collapse SNe (see :mod:`sim.classes` for the table)."""

from __future__ import annotations

import numpy as np

from .classes import Source, _redshift_header, _z_squared, band_mags, bazin_unit, distance_modulus
from .constants import mag_to_flux
from .survey import Cadence

# ---------------------------------------------------------------- SN Ia

#: Rest-frame e-folding decline time per band (days): blue bands fade first.
SNIA_TFALL = np.array([12.0, 15.0, 22.0, 27.0, 30.0, 32.0])
SNIA_TRISE = 4.0
#: Rest-frame time of maximum per band relative to t0 (days).
SNIA_DPEAK = np.array([-2.0, 0.0, 1.0, -2.0, -1.0, 0.0])
#: Secondary maximum: relative amplitude, rest-frame phase (d), width (d).
SNIA_BUMP_AMP = np.array([0.0, 0.0, 0.06, 0.30, 0.35, 0.30])
SNIA_BUMP_PHASE = np.array([0.0, 0.0, 22.0, 28.0, 25.0, 25.0])
SNIA_BUMP_WIDTH = 8.0
#: Peak magnitude minus peak "B" magnitude per band, and its change per unit z
#: (a crude K-correction: the UV deficit moves into u and g at higher z).
SNIA_COLOUR = np.array([0.3, 0.0, 0.05, 0.6, 0.6, 0.7])
SNIA_KCOR = np.array([2.0, 1.0, 0.3, -0.1, -0.2, -0.2])
#: Extinction A_band / E(B-V) (Cardelli-like, for host dust).
R_BAND = np.array([4.8, 3.7, 2.7, 2.1, 1.6, 1.3])


def snia_flux(t, band, *, t0, z, stretch, peak_flux):
    """Type Ia-like SN flux.

    Args:
        t: times (MJD); band: band indices.
        t0: time of "B-band" maximum (MJD).
        z: redshift (time dilation ``1+z``).
        stretch: light-curve width factor (~0.7-1.3).
        peak_flux: array of 6 peak fluxes (u..y).

    The rest-frame phase is ``p = (t - t0) / ((1+z) stretch)``; each band is a
    Bazin curve (``SNIA_TRISE``, ``SNIA_TFALL``) peaking at ``SNIA_DPEAK``, plus
    a Gaussian secondary maximum in r (weak shoulder) and i/z/y.
    """
    p = (np.asarray(t, dtype=float) - t0) / ((1.0 + z) * stretch)
    shape = bazin_unit(p - SNIA_DPEAK[band], SNIA_TRISE, SNIA_TFALL[band])
    shape = shape + SNIA_BUMP_AMP[band] * np.exp(
        -0.5 * ((p - SNIA_BUMP_PHASE[band]) / SNIA_BUMP_WIDTH) ** 2)
    return np.asarray(peak_flux)[band] * shape


def _host(rng, mu):
    """Host-galaxy flux inside the PSF (6 bands): 30% of a M_r~-20.5 galaxy."""
    r = rng.normal(-20.5, 1.0) + mu
    mags = band_mags(r, 1.3, 0.7, 0.35, 0.25, 0.1)
    return 0.3 * mag_to_flux(mags)


def draw_snia(rng: np.random.Generator, cad: Cadence) -> Source:
    """Draw a Type Ia SN (z ~ z**2 in 0.02-0.7) peaking during the observations."""
    z = _z_squared(rng, 0.02, 0.7)
    stretch = min(max(rng.normal(1.0, 0.1), 0.7), 1.3)
    absmag = -19.3 - 1.2 * (stretch - 1.0) + rng.normal(0.0, 0.12)
    ebv = rng.exponential(0.05)
    mu = float(distance_modulus(z))
    peak_mag = absmag + mu + SNIA_COLOUR + SNIA_KCOR * z + R_BAND * ebv
    t0 = float(cad.t[rng.integers(cad.t.size)] + rng.uniform(-15.0, 15.0) * (1 + z))
    flux = snia_flux(cad.t, cad.band, t0=t0, z=z, stretch=stretch, peak_flux=mag_to_flux(peak_mag))
    host = _host(rng, mu)[cad.band]
    return Source(flux, np.zeros_like(flux), host, _redshift_header(rng, z),
                  dict(z=z, t0=t0, stretch=stretch, peak_mag=peak_mag))


# ---------------------------------------------------------------- SN CC

#: Plateau decline rate per band (mag per rest-frame day): u and g fade fast.
SNCC_PLATEAU_SLOPE = np.array([0.08, 0.04, 0.012, 0.006, 0.004, 0.003])
#: Fast decliners: rest-frame e-folding decline per band (days).
SNCC_TFALL = np.array([8.0, 12.0, 20.0, 25.0, 28.0, 30.0])
SNCC_COLOUR = np.array([-0.2, 0.0, 0.1, 0.25, 0.3, 0.4])
SNCC_KCOR = np.array([1.5, 0.8, 0.2, 0.0, -0.1, -0.1])
_TAIL_SLOPE = 0.0098  # mag/day, 56Co decay


def sncc_flux(t, band, *, t0, z, peak_flux, plateau, plateau_days=100.0, drop_mag=2.0,
              fall_scale=1.0):
    """Core-collapse SN flux.

    ``plateau=True`` (type IIP): sigmoid rise to maximum at ``t0``, then a
    plateau declining at ``SNCC_PLATEAU_SLOPE`` mag/day for ``plateau_days``
    (rest frame), a drop of ``drop_mag`` mag and a 0.0098 mag/day tail.
    ``plateau=False``: Bazin curve with rise 2.5 d and decline
    ``fall_scale * SNCC_TFALL``.  Times are dilated by ``1+z``.
    """
    p = (np.asarray(t, dtype=float) - t0) / (1.0 + z)
    if plateau:
        w = 5.0
        pp = np.maximum(p, 0.0)
        x = np.clip((pp - plateau_days) / w, -50.0, 50.0)
        dmag = (SNCC_PLATEAU_SLOPE[band] * pp + drop_mag / (1.0 + np.exp(-x))
                + _TAIL_SLOPE * w * np.logaddexp(0.0, x))
        dmag -= drop_mag / (1.0 + np.exp(plateau_days / w))  # zero at p = 0
        rise = np.where(p < 0, (1 + np.exp(-2.0)) / (1.0 + np.exp(-np.clip((p + 3.0) / 1.5, -50, 50))),
                        1.0)
        shape = rise * 10.0 ** (-0.4 * dmag)
    else:
        shape = bazin_unit(p, 2.5, fall_scale * SNCC_TFALL[band])
    return np.asarray(peak_flux)[band] * shape


def draw_sncc(rng: np.random.Generator, cad: Cadence) -> Source:
    """Draw a core-collapse SN (60% IIP, 40% fast; z ~ z**2 in 0.01-0.3)."""
    z = _z_squared(rng, 0.01, 0.3)
    plateau = bool(rng.random() < 0.6)
    absmag = rng.normal(-16.9 if plateau else -17.4, 0.8)
    ebv = rng.exponential(0.1)
    mu = float(distance_modulus(z))
    peak_mag = absmag + mu + SNCC_COLOUR + SNCC_KCOR * z + R_BAND * ebv
    t0 = float(cad.t[rng.integers(cad.t.size)] + rng.uniform(-20.0, 10.0) * (1 + z))
    params = dict(t0=t0, z=z, plateau=plateau, plateau_days=rng.uniform(70.0, 120.0),
                  drop_mag=rng.uniform(1.5, 3.0), fall_scale=rng.uniform(0.8, 1.3))
    flux = sncc_flux(cad.t, cad.band, peak_flux=mag_to_flux(peak_mag), **params)
    host = _host(rng, mu)[cad.band]
    return Source(flux, np.zeros_like(flux), host, _redshift_header(rng, z),
                  dict(params, peak_mag=peak_mag))
