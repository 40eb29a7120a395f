"""MiniBroker light-curve simulator.

Writes LSST-like multi-band difference-flux light curves of six classes
(see :mod:`sim.classes` for the class table) in the same text format as the
real training files (see :mod:`sim.writer`), with fluxes in the AB zero point
27.5 (``flux = 10**(-0.4*(mag - 27.5))``, see :mod:`sim.constants`).

Public API::

    from minibroker.sim import simulate
    summary = simulate(1000, "data/sim", seed=0, mix="balanced")

Modules: ``constants`` (bands, zero point), ``survey`` (cadence, noise),
``classes`` (class table, templates, priors), ``writer`` (file format),
``run`` (per-object simulation and parallel orchestration), ``cli``.
"""

from .classes import CLASSES, LABELS
from .constants import BANDS, ZP
from .run import simulate, simulate_object

__all__ = ["simulate", "simulate_object", "CLASSES", "LABELS", "BANDS", "ZP"]
