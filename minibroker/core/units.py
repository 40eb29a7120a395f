"""Flux units: which AB zero point a stored flux has, in one place.

``rawPhot.flux`` holds two kinds of numbers.  Light-curve files (the exercise's data, SNANA's
``FLUXCAL``, and the simulator, ``minibroker.sim.constants.ZP``) use AB zero point 27.5:
``mag = 27.5 - 2.5 log10(flux)``.  Rubin alert packets (``minibroker.stream``, objects with a
``diaObjects`` row) give nanojansky, zero point 31.4.  Plots, the report and the portal ask here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ZP_FILES = 27.5    # light-curve files and the simulator
ZP_NJY = 31.4      # alert packets: nJy (1 nJy is AB magnitude 31.4)
LIMIT_SNR = 3.0    # in magnitudes, points with flux/dflux below this are drawn as upper limits
MAG_ERR = 2.5 / np.log(10)   # d mag = MAG_ERR * dflux / flux (1.0857)


@dataclass(frozen=True)
class FluxUnit:
    zero_point: float
    name: str      # for axis labels: "nJy" or "AB zero point 27.5"

    def magnitude(self, flux):
        """AB magnitude of positive ``flux`` (NaN where ``flux <= 0`` or not finite)."""
        return magnitude(flux, self.zero_point)


def flux_unit(is_alert: bool) -> FluxUnit:
    """The unit of an object's fluxes: nJy for an alert object, zero point 27.5 for a file's."""
    return FluxUnit(ZP_NJY, "nJy") if is_alert else FluxUnit(ZP_FILES, f"AB zero point {ZP_FILES:g}")


def magnitude(flux, zero_point: float):
    """``zero_point - 2.5 log10(flux)`` where ``flux > 0``, NaN elsewhere (arrays or scalars)."""
    f = np.asarray(flux, dtype=float)
    with np.errstate(all="ignore"):
        m = np.where(f > 0, zero_point - 2.5 * np.log10(np.where(f > 0, f, 1.0)), np.nan)
    return m if m.ndim else float(m)
