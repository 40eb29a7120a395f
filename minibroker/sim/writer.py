"""Text formatting of light-curve files, identical in style to the real training files.

Layout (one file per object, or per object and night in stream mode)::

    #orig_file:minibroker-sim/seed=0/SIM000001
    #ID:1
    #type:SNIa
    #label:0
    #zgal:0.3412
    #zgalerr:0.0021
                  t   pb        flux      dflux
       60812.061234   r    12.345678   4.567890
       ...

* header lines ``#key:value``;
* then the column header and the rows: every column is preceded by three
  spaces and padded to the column width, which is the longest of the column
  name and its ``%.6f``-formatted values (so widths vary between files);
  numbers and column names are right-aligned, the passband letter is
  left-aligned in its 2-character ``pb`` column;
* every line (including the last) ends with ``\\n``.

This reproduces all 100 ``FAKE*.dat`` reference files byte for byte from
their parsed values.
"""

from __future__ import annotations

import numpy as np

from .constants import BANDS

_BAND_CHARS = tuple(BANDS)
COLUMNS = ("t", "pb", "flux", "dflux")


def _width(name: str, values: np.ndarray) -> int:
    # '%.6f' lengths are monotone in |x| for each sign, so the widest string is
    # that of the maximum or of the minimum.
    return max(len(name), len("%.6f" % values.max()), len("%.6f" % values.min()))


def format_header(header) -> str:
    """``#key:value`` lines for an iterable of ``(key, value)`` pairs."""
    return "".join(f"#{k}:{v}\n" for k, v in header)


def format_table(t, band, flux, dflux) -> str:
    """Column header plus rows for arrays of times, band indices, fluxes, errors.

    All arrays must have the same non-zero length and finite values.
    """
    t = np.asarray(t, dtype=float)
    flux = np.asarray(flux, dtype=float)
    dflux = np.asarray(dflux, dtype=float)
    if t.size == 0:
        raise ValueError("a light curve needs at least one row")
    wt, wf, wd = _width("t", t), _width("flux", flux), _width("dflux", dflux)
    head = f"   {'t':>{wt}}   pb   {'flux':>{wf}}   {'dflux':>{wd}}\n"
    row = f"   %{wt}.6f   %-2s   %{wf}.6f   %{wd}.6f\n"
    bands = [_BAND_CHARS[b] for b in np.asarray(band).tolist()]
    return head + "".join([row % r for r in zip(t.tolist(), bands, flux.tolist(), dflux.tolist())])


def format_lightcurve(header, t, band, flux, dflux) -> str:
    """Whole file text: header lines, column header, rows."""
    return format_header(header) + format_table(t, band, flux, dflux)


def parse_lightcurve(text: str):
    """Parse file text back to ``(header dict, rows)``; rows are string 4-tuples.

    A small reader for tests and diagnostics (the project loader is separate).
    """
    header, rows, names = {}, [], None
    for line in text.splitlines():
        if line.startswith("#"):
            k, _, v = line[1:].partition(":")
            header[k] = v
        elif line.strip():
            parts = line.split()
            if names is None:
                names = parts
            else:
                rows.append(tuple(parts[names.index(c)] for c in COLUMNS))
    return header, rows
