"""Band colours (those of the original exercise for griz) and the headless matplotlib set-up."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from minibroker.core import bands  # noqa: E402

BAND_COLOURS = {
    "u": "#6A5ACD",  # not in the exercise: a slate blue for the bluest band
    "g": "#78A5A3",
    "r": "#CE5A57",
    "i": "#E1B16A",
    "z": "#444C5C",
    "y": "#8B5A2B",  # not in the exercise: a brown for the reddest band
}
BAND_ORDER = bands.ALL
DPI = 100

__all__ = ["BAND_COLOURS", "BAND_ORDER", "DPI", "plt"]
