"""The passbands, in one place: LSST's six, and the four the moment features use (as the exercise)."""

ALL = "ugrizy"                      # LSST's passbands, blue to red: also their sort order
FEATURE_BANDS = ("g", "r", "i", "z")  # the bands of lcFeats, lcGPFeats' always-present rows, the report
COLOURS = (("g", "r"), ("r", "i"), ("i", "z"))  # gMinusR, rMinusI, iMinusZ


def order(band: str) -> int:
    """Sort key: u, g, r, i, z, y."""
    return ALL.index(band)
