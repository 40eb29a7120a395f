"""Source classes: the class table, one pure flux template per class, and priors.

The class table :data:`CLASSES` is the single place where names, integer
labels and mix weights are defined:

=====  ==========  =============  ========  =========================================
label  ``#type:``  extragalactic  realistic  what it is
=====  ==========  =============  ========  =========================================
0      SNIa        yes            0.04      Type Ia-like supernova
1      SNCC        yes            0.03      core-collapse SN (IIP plateau or fast decliner)
2      RRLyrae     no             0.15      RR Lyrae (RRab sawtooth / RRc near-sinusoid)
3      Mdwarf      no             0.10      flaring M dwarf
4      AGN         yes            0.28      AGN, damped random walk
5      constant    no             0.40      non-variable star
=====  ==========  =============  ========  =========================================

Every ``*_flux`` function is a pure function of times (MJD), band indices
(0..5 = u..y) and parameters, and returns the *true* source flux (ZP 27.5,
see :mod:`sim.constants`) at each observation.  Stochastic classes (AGN,
flares) take their random realisation (innovations, flare list) as explicit
arguments, so the functions stay pure.

Every ``draw_*`` function draws parameters from the class prior with the
object's generator and returns a :class:`Source`: true flux, reference
(template) flux, the extra flux that only adds noise (host galaxy), header
entries and the true parameters (for tests and diagnostics).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .constants import BANDS, NBANDS, WAVELENGTH_NM, mag_to_flux
from .survey import Cadence


@dataclass(frozen=True)
class ClassInfo:
    """One row of the class table."""

    label: int
    name: str
    extragalactic: bool
    realistic_weight: float
    description: str


#: The class table (index == label).
CLASSES: tuple[ClassInfo, ...] = (
    ClassInfo(0, "SNIa", True, 0.04, "Type Ia-like supernova: multi-band rise and decline, "
              "colour evolution, secondary red maximum in i/z/y"),
    ClassInfo(1, "SNCC", True, 0.03, "core-collapse supernova: type IIP plateau or fast decliner"),
    ClassInfo(2, "RRLyrae", False, 0.15, "RR Lyrae: asymmetric sawtooth (RRab) or near-sinusoidal "
              "(RRc) pulsation, periods 0.3-0.9 d"),
    ClassInfo(3, "Mdwarf", False, 0.10, "flaring M dwarf: red quiescent star with fast-rise "
              "exponential-decay flares, strongest in the blue"),
    ClassInfo(4, "AGN", True, 0.28, "AGN: damped random walk (Ornstein-Uhlenbeck) variability, "
              "larger amplitude in bluer bands"),
    ClassInfo(5, "constant", False, 0.40, "non-variable star"),
)
#: Class name -> integer label.
LABELS: dict[str, int] = {c.name: c.label for c in CLASSES}
#: Number of classes.
NCLASSES: int = len(CLASSES)


@dataclass
class Source:
    """A simulated source before noise.

    Attributes:
        true_flux: noiseless source flux at each visit.
        ref_flux: flux of the source in the reference image, per visit (the
            written value is ``true_flux - ref_flux`` plus noise).
        host_flux: extra flux at the position (host galaxy) that adds noise
            but is subtracted by the template, per visit.
        header: extra ``(key, value)`` header entries (``zgal``, ``zgalerr``).
        truth: true parameters (not written to the files).
    """

    true_flux: np.ndarray
    ref_flux: np.ndarray
    host_flux: np.ndarray | float = 0.0
    header: list[tuple[str, str]] = field(default_factory=list)
    truth: dict = field(default_factory=dict)


# ---------------------------------------------------------------- helpers


def _loguniform(rng, lo, hi, size=None):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size=size))


def band_mags(r, ug, gr, ri, iz, zy):
    """Magnitudes in u g r i z y (array of 6) from r and the five colours."""
    g = r + gr
    i = r - ri
    z = i - iz
    return np.array([g + ug, g, r, i, z, z - zy])


def _z_squared(rng, zmin, zmax):
    """Redshift with p(z) ~ z**2 (uniform in Euclidean volume) in [zmin, zmax]."""
    return float(np.cbrt(zmin**3 + rng.random() * (zmax**3 - zmin**3)))


def _redshift_header(rng, z):
    zerr = float(_loguniform(rng, 0.0005, 0.03))
    zgal = max(0.001, z + zerr * float(rng.standard_normal()))
    return [("zgal", f"{zgal:.4f}"), ("zgalerr", f"{zerr:.4f}")]


# Flat LambdaCDM (H0 = 70 km/s/Mpc, Omega_m = 0.3) distance modulus on a grid.
_ZGRID = np.linspace(0.0, 5.0, 5001)
_EZ = np.sqrt(0.3 * (1 + _ZGRID) ** 3 + 0.7)
_DC = np.concatenate([[0.0], np.cumsum(0.5 * (1 / _EZ[1:] + 1 / _EZ[:-1]) * np.diff(_ZGRID))])
_DC *= 299792.458 / 70.0  # Mpc
_MU = np.full_like(_ZGRID, -np.inf)
_MU[1:] = 5 * np.log10((1 + _ZGRID[1:]) * _DC[1:] * 1e6 / 10.0)


def distance_modulus(z):
    """Distance modulus (mag) in flat LCDM, H0=70, Om=0.3, for 0 < z <= 5."""
    return np.interp(z, _ZGRID, _MU)


def bazin_unit(p, trise, tfall):
    """Bazin rise/decline shape in phase ``p`` (days), peak value 1 at ``p = 0``.

    ``exp(-q/tfall) / (1 + exp(-q/trise))`` with ``q`` shifted so the maximum
    is at ``p = 0``; computed in log space (no overflow far from the peak).
    """
    pstar = trise * np.log(tfall / trise - 1.0)
    q = p + pstar
    logf = -p / tfall + np.logaddexp(0.0, -pstar / trise) - np.logaddexp(0.0, -q / trise)
    return np.exp(logf)


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


#: label -> draw function.
DRAW = (draw_snia, draw_sncc, draw_rrlyrae, draw_mdwarf, draw_agn, draw_constant)

assert len(DRAW) == NCLASSES and all(c.label == i for i, c in enumerate(CLASSES))
assert BANDS == "ugrizy"
