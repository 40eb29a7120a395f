"""label -> the draw function of that class's prior (the order of :data:`sim.classes.CLASSES`)."""

from .classes import CLASSES, NCLASSES
from .constants import BANDS
from .transients import draw_sncc, draw_snia
from .variables import draw_agn, draw_constant, draw_mdwarf, draw_rrlyrae

#: label -> draw function.
DRAW = (draw_snia, draw_sncc, draw_rrlyrae, draw_mdwarf, draw_agn, draw_constant)

assert len(DRAW) == NCLASSES and all(c.label == i for i, c in enumerate(CLASSES))
assert BANDS == "ugrizy"
