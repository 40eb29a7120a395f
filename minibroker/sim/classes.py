"""Source classes: the class table, the simulated source, and helpers shared by the flux templates
(``transients``: SN Ia, SN CC; ``variables``: RR Lyrae, M dwarfs, AGN, constant stars; ``draw``: label -> prior).

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
