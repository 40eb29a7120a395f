"""Variable-star and AGN templates and priors: RR Lyrae, flaring M dwarfs, AGN, constant stars."""

from __future__ import annotations

import numpy as np

from .classes import Source, _loguniform, _redshift_header, band_mags
from .constants import NBANDS, WAVELENGTH_NM, mag_to_flux
from .survey import Cadence

# ---------------------------------------------------------------- RR Lyrae

_PHASE_GRID = np.linspace(0.0, 1.0, 512, endpoint=False)


def _normalised_shape(brightness):
    """Shift so the maximum is at phase 0 and scale to peak-to-peak 1, zero mean."""
    b = np.roll(brightness, -int(np.argmax(brightness)))
    b = (b - b.mean()) / (b.max() - b.min())
    return b


def _rrab_shape():
    # Sawtooth sum(sin(2 pi k phi)/k): slow decline, fast rise; Lanczos-damped
    # to a smooth ~10%-of-period rise.
    k = np.arange(1, 8)[:, None]
    sig = np.sinc(k / 8.0)
    return _normalised_shape((sig * np.sin(2 * np.pi * k * _PHASE_GRID) / k).sum(0))


#: Brightness templates on ``_PHASE_GRID`` (max at phase 0, peak-to-peak 1, in mag units).
RR_SHAPES = (
    _rrab_shape(),
    _normalised_shape(np.sin(2 * np.pi * _PHASE_GRID) + 0.15 * np.sin(4 * np.pi * _PHASE_GRID)),
)
#: Pulsation amplitude per band relative to g.
RR_AMP_RATIO = np.array([1.25, 1.0, 0.8, 0.63, 0.55, 0.5])


def rrlyrae_flux(t, band, *, period, epoch, mean_flux, amplitude, kind=0):
    """RR Lyrae flux.

    Args:
        period: pulsation period (days); epoch: MJD of a maximum.
        mean_flux: 6 fluxes at the magnitude-averaged mean.
        amplitude: 6 peak-to-peak amplitudes in magnitudes.
        kind: 0 = RRab (asymmetric sawtooth), 1 = RRc (near-sinusoid).

    ``mag = mean_mag - amplitude * shape(phase)`` with ``shape`` from
    :data:`RR_SHAPES` (linear interpolation, periodic).
    """
    phase = np.mod((np.asarray(t, dtype=float) - epoch) / period, 1.0)
    s = np.interp(phase, _PHASE_GRID, RR_SHAPES[kind], period=1.0)
    return np.asarray(mean_flux)[band] * 10.0 ** (0.4 * np.asarray(amplitude)[band] * s)


def draw_rrlyrae(rng: np.random.Generator, cad: Cadence) -> Source:
    """Draw an RR Lyrae (70% RRab P~0.45-0.9 d, 30% RRc P~0.3-0.42 d), r = 16-21.5."""
    kind = 0 if rng.random() < 0.7 else 1
    if kind == 0:
        period = min(max(rng.normal(0.58, 0.08), 0.45), 0.9)
        amp = rng.uniform(0.5, 1.2)
    else:
        period = float(rng.uniform(0.30, 0.42))
        amp = rng.uniform(0.3, 0.55)
    cols = np.array([1.15, 0.25, 0.10, 0.02, 0.0]) + rng.normal(0.0, 0.05, 5)
    mags = band_mags(rng.uniform(16.0, 21.5), *cols)
    amplitude = amp * RR_AMP_RATIO
    mean_flux = mag_to_flux(mags)
    epoch = float(cad.t[0] + rng.uniform(0.0, period))
    flux = rrlyrae_flux(cad.t, cad.band, period=period, epoch=epoch, mean_flux=mean_flux,
                        amplitude=amplitude, kind=kind)
    # Reference image: a coadd, i.e. the cycle-averaged flux with 1% calibration error.
    cycle_mean = (10.0 ** (0.4 * amplitude[:, None] * RR_SHAPES[kind][None, :])).mean(1)
    ref = (mean_flux * cycle_mean * (1.0 + rng.normal(0.0, 0.01, NBANDS)))[cad.band]
    return Source(flux, ref, 0.0, [], dict(period=period, kind=kind, epoch=epoch,
                                           mean_mag=mags, amplitude=amplitude))


# ---------------------------------------------------------------- M dwarf flares

#: Flares are ignored this many days after their start (< 0.2% of the peak left).
FLARE_MAX_AGE = 1.0


def planck_ratio(temperature):
    """f_nu of a blackbody in each band relative to u (array of 6)."""
    x = 1.4388e7 / (WAVELENGTH_NM * temperature)  # h nu / k T
    bnu = (1.0 / WAVELENGTH_NM) ** 3 / np.expm1(x)
    return bnu / bnu[0]


def mdwarf_flux(t, band, *, quiescent_flux, flare_t, flare_amp_u, flare_tau, flare_rise,
                colour_ratio):
    """Flaring M dwarf flux: constant quiescent star plus flares.

    Args:
        quiescent_flux: 6 quiescent fluxes.
        flare_t: flare start times (MJD, sorted); flare_amp_u: peak flare flux
            in u; flare_tau: exponential decay times (d); flare_rise: linear
            rise times (d).
        colour_ratio: 6 flare flux ratios band/u (hot blackbody).

    Each flare is a linear rise over ``flare_rise`` followed by an exponential
    decay with ``flare_tau`` (fast-rise exponential-decay), truncated
    :data:`FLARE_MAX_AGE` days after its start.
    """
    t = np.asarray(t, dtype=float)
    flux = np.asarray(quiescent_flux, dtype=float)[band]
    flare_t = np.asarray(flare_t, dtype=float)
    if flare_t.size == 0:
        return flux
    # (visit, flare) pairs with 0 <= t - flare_t < FLARE_MAX_AGE
    lo = np.searchsorted(flare_t, t - FLARE_MAX_AGE, side="right")
    hi = np.searchsorted(flare_t, t, side="right")
    cnt = hi - lo
    if cnt.sum() == 0:
        return flux
    vis = np.repeat(np.arange(t.size), cnt)
    fl = np.arange(vis.size) - np.repeat(np.cumsum(cnt) - cnt, cnt) + np.repeat(lo, cnt)
    dt = t[vis] - flare_t[fl]
    rise = np.asarray(flare_rise, dtype=float)[fl]
    prof = np.where(dt < rise, dt / rise,
                    np.exp(-np.maximum(dt - rise, 0.0) / np.asarray(flare_tau, dtype=float)[fl]))
    amp = np.bincount(vis, weights=prof * np.asarray(flare_amp_u, dtype=float)[fl], minlength=t.size)
    return flux + amp * np.asarray(colour_ratio)[band]


def draw_mdwarf(rng: np.random.Generator, cad: Cadence) -> Source:
    """Draw a flaring M dwarf (r = 17-22.5, 0.3-3 flares/day, peak u flare 1-100x quiescent).

    Flares are drawn as a Poisson process in the one-day windows
    ``[night - 0.5, night + 0.5)`` around observed nights only (flares from
    unobserved windows would have decayed to < 3% by the next visit).
    """
    s = rng.random()  # spectral subtype proxy: 0 ~ M2, 1 ~ M5
    mags = band_mags(rng.uniform(17.0, 22.5), 2.5 + 0.2 * s, 1.35 + 0.2 * s, 0.9 + 1.2 * s,
                     0.45 + 0.4 * s, 0.25 + 0.25 * s)
    qflux = mag_to_flux(mags)
    rate = float(_loguniform(rng, 0.3, 3.0))
    nights = np.unique(cad.night)
    nfl = rng.poisson(rate, size=nights.size)
    ftot = int(nfl.sum())
    flare_t = np.sort(np.repeat(nights, nfl) + rng.uniform(-0.5, 0.5, size=ftot))
    flare_amp_u = qflux[0] * _loguniform(rng, 1.0, 100.0, size=ftot)  # peak du ~ 0.8-5 mag
    flare_tau = _loguniform(rng, 0.01, 0.15, size=ftot)
    flare_rise = np.maximum(0.1 * flare_tau, 0.001)
    ratio = planck_ratio(rng.uniform(8000.0, 14000.0))
    flux = mdwarf_flux(cad.t, cad.band, quiescent_flux=qflux, flare_t=flare_t,
                       flare_amp_u=flare_amp_u, flare_tau=flare_tau, flare_rise=flare_rise,
                       colour_ratio=ratio)
    ref = (qflux * (1.0 + rng.normal(0.0, 0.005, NBANDS)))[cad.band]
    return Source(flux, ref, 0.0, [], dict(quiescent_mag=mags, rate=rate, n_flares=ftot))


# ---------------------------------------------------------------- AGN

#: DRW amplitude per band relative to r: bluer bands vary more.
AGN_AMP_RATIO = (WAVELENGTH_NM / WAVELENGTH_NM[2]) ** -0.5


def ou_path(t, tau, eps):
    """Unit-variance Ornstein-Uhlenbeck process at sorted times ``t``.

    Exact discrete update on irregular times:
    ``x[0] = eps[0]``, ``x[k] = a x[k-1] + sqrt(1 - a**2) eps[k]`` with
    ``a = exp(-(t[k] - t[k-1]) / tau)``; ``eps`` are standard normals.
    """
    t = np.asarray(t, dtype=float)
    a = np.exp(-np.diff(t) / tau)
    e = np.asarray(eps, dtype=float)
    scaled = (np.sqrt(1.0 - a * a) * e[1:]).tolist()
    out = [float(e[0])]
    x = out[0]
    for ak, ek in zip(a.tolist(), scaled):
        x = ak * x + ek
        out.append(x)
    return np.array(out)


def agn_flux(t, band, *, mean_flux, tau, sigma_mag, eps):
    """AGN flux: damped random walk in magnitude, common to all bands.

    ``mag_b(t) = mean_mag_b - sigma_mag_b * x(t)`` where ``x`` is the
    unit-variance OU process :func:`ou_path` with timescale ``tau``
    (observer-frame days) driven by innovations ``eps``.
    """
    x = ou_path(t, tau, eps)
    return np.asarray(mean_flux)[band] * 10.0 ** (0.4 * np.asarray(sigma_mag)[band] * x)


def draw_agn(rng: np.random.Generator, cad: Cadence) -> Source:
    """Draw an AGN (z 0.2-3, r = 18.5-23, tau_rest 50-500 d, SF_inf 0.1-0.35 mag)."""
    z = float(0.2 + 2.8 * rng.random() ** 1.5)
    cols = np.array([0.25, 0.15, 0.15, 0.10, 0.10]) + rng.normal(0.0, 0.08, 5)
    mags = band_mags(rng.uniform(18.5, 23.0), *cols)
    mean_flux = mag_to_flux(mags)
    tau = float(_loguniform(rng, 50.0, 500.0)) * (1.0 + z)
    sigma_mag = float(_loguniform(rng, 0.1, 0.35)) / np.sqrt(2.0) * AGN_AMP_RATIO
    eps = rng.standard_normal(cad.t.size)
    flux = agn_flux(cad.t, cad.band, mean_flux=mean_flux, tau=tau, sigma_mag=sigma_mag, eps=eps)
    # Reference: a coadd at a random level of the process (same in all bands).
    ref = (mean_flux * 10.0 ** (0.4 * sigma_mag * rng.normal(0.0, 0.5)))[cad.band]
    return Source(flux, ref, 0.0, _redshift_header(rng, z),
                  dict(z=z, tau=tau, sigma_mag=sigma_mag, mean_mag=mags))


# ---------------------------------------------------------------- constant star


def constant_flux(t, band, *, flux):
    """Non-variable star: ``flux[band]`` at every time."""
    return np.asarray(flux, dtype=float)[band] + 0.0 * np.asarray(t, dtype=float)


def draw_constant(rng: np.random.Generator, cad: Cadence) -> Source:
    """Draw a main-sequence-like constant star (r = 16-23.5).

    The reference flux differs from the true flux by a 0.5% calibration error,
    so the difference flux scatters around a small non-zero offset.
    """
    s = rng.random()
    mags = band_mags(rng.uniform(16.0, 23.5), 0.8 + 1.8 * s, 0.1 + 1.3 * s, 0.03 + 0.6 * s,
                     0.3 * s, 0.15 * s)
    f = mag_to_flux(mags)
    flux = constant_flux(cad.t, cad.band, flux=f)
    ref = (f * (1.0 + rng.normal(0.0, 0.005, NBANDS)))[cad.band]
    return Source(flux, ref, 0.0, [], dict(mag=mags))
