"""Shared conventions of the simulator: passbands, photometric zero point, epochs.

Units and conventions used everywhere in :mod:`sim`:

* Times are Modified Julian Dates (days, float).
* Passbands are the six LSST filters ``u g r i z y``; internally a band is an
  integer index into :data:`BANDS` (``0 == "u"`` ... ``5 == "y"``).
* Fluxes are linear, in a fixed AB zero point :data:`ZP` = 27.5, i.e.
  ``flux = 10 ** (-0.4 * (mag - 27.5))``; a source of AB magnitude 27.5 has
  flux 1, one of magnitude 20 has flux 1000.  (This is the SNANA/DES
  ``FLUXCAL`` convention, so simulated numbers look like the real training
  files.)
* Written fluxes are *difference-image* fluxes: source flux minus the flux in
  the reference (template) image, so they can be negative.
"""

from __future__ import annotations

import numpy as np

from minibroker.core.units import ZP_FILES

#: Passband letters; a band index ``b`` means ``BANDS[b]``.
BANDS: str = "ugrizy"
#: Number of passbands.
NBANDS: int = len(BANDS)
#: AB zero point of all fluxes: ``flux = 10**(-0.4*(mag - ZP))`` (that of light-curve files).
ZP: float = ZP_FILES
#: Effective wavelengths of the LSST filters in nanometres (u g r i z y).
WAVELENGTH_NM = np.array([367.0, 482.0, 622.0, 754.0, 869.0, 971.0])
#: First night of the simulated survey (MJD 60800 = 2025-05-15).
SURVEY_START_MJD: float = 60800.0


def mag_to_flux(mag):
    """AB magnitude -> flux in the ``ZP = 27.5`` system (works on arrays)."""
    return 10.0 ** (-0.4 * (np.asarray(mag, dtype=float) - ZP))

