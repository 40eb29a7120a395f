"""One object's multiband light curve: flux (or AB magnitude) with error bars against MJD (or phase),
one colour per band, and optionally the GP mean with its 95% band.

:func:`prepare` turns a :class:`~minibroker.report.data.LightCurve` and :class:`Options` into the
arrays to draw (:class:`Prepared`: pure numpy, what the tests look at); :func:`draw` puts them on
matplotlib axes.  What the options do:

- the GP is drawn only where observations of its band constrain it: grid points farther than
  ``REACH`` (2) fitted length scales from every observation of the band are NaN, so season gaps stay
  blank (:func:`minibroker.gp.trust.constrained`);
- a fit flagged as not to be trusted (``lcGPFeats.atBound``/``badFit``, or not converged) is drawn
  dashed with a lighter band, and a note on the axes says which band and why;
- ``mag``: AB magnitudes ``ZP - 2.5 log10(flux)`` with the object's zero point
  (:mod:`minibroker.core.units`: 27.5 for light-curve files, 31.4 for alert objects in nJy); points
  with ``flux/dflux < 3`` (negative fluxes included) become 3-sigma upper limits (open triangles at
  the magnitude of ``max(flux, 0) + 3 dflux``), the y axis runs bright up;
- ``zoom``: the time range of the event (:func:`event_window`); ``tmin``/``tmax`` set it by hand;
- ``fold``: phase ``(t mod P) / P`` in [0, 1) with ``period`` or the object's period from
  ``lcPeriodFeats``; the GP is not drawn folded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from minibroker.core.errors import UserError
from minibroker.core.units import LIMIT_SNR, MAG_ERR
from minibroker.gp.trust import REACH, constrained

from .data import LightCurve, find_object, light_curve
from .style import BAND_COLOURS, BAND_ORDER, DPI, plt

Z95 = 1.959963984540054  # two-sided 95% of a normal distribution
DET_SNR = 5.0            # a detection, for the event window (as lcPeriodFeats.detDuration)
EVENT_GAP = 50.0         # days without a detection that end an event (season gaps are longer)
EVENT_PAD = 20.0         # days shown before and after the event's detections (at least)


@dataclass
class Options:
    """How to draw a light curve (the ``minibroker plot`` options of the same names)."""

    mag: bool = False
    zoom: bool = False
    tmin: float | None = None
    tmax: float | None = None
    fold: bool = False
    period: float | None = None   # days; None: the object's period from lcPeriodFeats
    reach: float = REACH          # GP drawn within this many length scales of an observation


@dataclass
class BandArrays:
    """One band as drawn. ``x`` is MJD or phase; GP arrays hold NaN where no data constrain it."""

    x: np.ndarray
    y: np.ndarray
    yerr: np.ndarray
    limit_x: np.ndarray          # upper limits (magnitudes only)
    limit_y: np.ndarray
    n: int                       # observations of the band in the window
    gp_x: np.ndarray | None = None
    gp_y: np.ndarray | None = None
    gp_lo: np.ndarray | None = None   # lower/upper edge of the 95% band in y units (NaN: none)
    gp_hi: np.ndarray | None = None
    dashed: bool = False
    flags: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    bands: dict[str, BandArrays]
    xlabel: str
    ylabel: str
    xlim: tuple[float, float] | None
    mag: bool
    notes: list[str] = field(default_factory=list)
    period: float | None = None


def phase(t, period: float) -> np.ndarray:
    """``(t mod period) / period``, in [0, 1)."""
    ph = np.mod(np.asarray(t, dtype=float), period) / period
    return np.where(ph >= 1.0, 0.0, ph)  # t mod P rounds up to P for t just below a multiple


def event_window(t, flux, dflux) -> tuple[float, float]:
    """The time range of the event: the run of detections (``flux/dflux >= 5``, no gap over
    ``EVENT_GAP`` days) holding the highest signal-to-noise point, padded by ``EVENT_PAD`` days or
    a fifth of its length; around that point alone when nothing is detected."""
    t, flux, dflux = (np.asarray(a, dtype=float) for a in (t, flux, dflux))
    snr = flux / dflux
    peak = t[int(np.nanargmax(snr))]
    det = np.unique(np.append(t[snr >= DET_SNR], peak))
    starts = np.concatenate([[0], np.nonzero(np.diff(det) > EVENT_GAP)[0] + 1])
    ends = np.append(starts[1:], len(det))
    k = int(np.searchsorted(starts, np.searchsorted(det, peak), side="right") - 1)
    lo, hi = det[starts[k]], det[ends[k] - 1]
    pad = max(EVENT_PAD, 0.2 * (hi - lo))
    return float(lo - pad), float(hi + pad)


def prepare(lc: LightCurve, opt: Options | None = None) -> Prepared:
    """The arrays :func:`draw` draws; UserError for options that cannot apply to ``lc``."""
    opt = opt or Options()
    if opt.fold and opt.zoom:
        raise UserError("--fold and --zoom together: choose one (--tmin/--tmax select the data to fold)")
    if opt.tmin is not None and opt.tmax is not None and not opt.tmin < opt.tmax:
        raise UserError(f"--tmin {opt.tmin:g} is not before --tmax {opt.tmax:g}: give TMIN < TMAX")
    period = None
    if opt.fold:
        period = opt.period if opt.period is not None else lc.period
        if period is None:
            raise UserError(f"no period for {lc.name}: give --period DAYS (PERIOD=) or run make features "
                            "(lcPeriodFeats)")
        if not (np.isfinite(period) and period > 0):
            raise UserError(f"--period {period:g} is not a positive number of days")
    t_all = np.concatenate([c.t for c in lc.bands.values()])
    lo, hi = float(np.min(t_all)), float(np.max(t_all))
    if opt.zoom:
        lo, hi = event_window(t_all, *(np.concatenate([getattr(c, k) for c in lc.bands.values()])
                                       for k in ("flux", "dflux")))
    lo = opt.tmin if opt.tmin is not None else lo
    hi = opt.tmax if opt.tmax is not None else hi
    windowed = opt.zoom or opt.tmin is not None or opt.tmax is not None
    zp = lc.unit.zero_point
    out: dict[str, BandArrays] = {}
    notes: list[str] = []
    n_limits = 0
    for pb in sorted(lc.bands, key=BAND_ORDER.index):
        c = lc.bands[pb]
        keep = (c.t >= lo) & (c.t <= hi)
        t, f, e = c.t[keep], c.flux[keep], c.dflux[keep]
        x = phase(t, period) if opt.fold else t
        if opt.mag:
            det = (f > 0) & (f >= LIMIT_SNR * e)
            with np.errstate(all="ignore"):
                b = BandArrays(x[det], lc.unit.magnitude(f[det]), MAG_ERR * e[det] / f[det],
                               x[~det], lc.unit.magnitude(np.maximum(f[~det], 0.0) + LIMIT_SNR * e[~det]),
                               int(keep.sum()))
            n_limits += int((~det).sum())
        else:
            b = BandArrays(x, f, e, np.empty(0), np.empty(0), int(keep.sum()))
        if c.gp_t is not None and not opt.fold:
            g = (c.gp_t >= lo) & (c.gp_t <= hi)
            ok = constrained(c.gp_t[g], c.t, c.gp_length_scale, opt.reach)
            mean, err = c.gp_flux[g], c.gp_err[g]
            y, ylo, yhi = mean, mean - Z95 * err, mean + Z95 * err
            if opt.mag:  # brighter is up: the band's upper edge is the brighter flux
                y, ylo, yhi = lc.unit.magnitude(mean), lc.unit.magnitude(ylo), lc.unit.magnitude(yhi)
            b.gp_x = c.gp_t[g]
            b.gp_y, b.gp_lo, b.gp_hi = (np.where(ok, a, np.nan) for a in (y, ylo, yhi))
            b.flags = list(c.gp_flags)
            b.dashed = bool(c.gp_flags)
        if b.n or b.gp_x is not None:
            out[pb] = b
    if not any(b.n for b in out.values()):
        raise UserError(f"{lc.name} has no observations between {lo:g} and {hi:g}: widen --tmin/--tmax")
    if any(b.gp_x is not None for b in out.values()):
        notes.append(f"GP drawn within {opt.reach:g} length scales of an observation")
    flagged = [f"{pb}: {', '.join(b.flags)}" for pb, b in out.items() if b.dashed]
    if flagged:
        notes.append("dashed GP, fit not to trust: " + "; ".join(flagged))
    if opt.fold and any(c.gp_t is not None for c in lc.bands.values()):
        notes.append("GP not drawn on a folded curve")
    if n_limits:
        notes.append(f"{n_limits} points with flux/dflux < {LIMIT_SNR:g} drawn as {LIMIT_SNR:g}-sigma upper limits")
    if opt.fold:
        src = "given" if opt.period is not None else "lcPeriodFeats"
        xlabel = f"phase: (MJD mod {period:.6g} d) / period ({src})"
    else:
        xlabel = "MJD"
    if opt.mag:
        ylabel = f"AB magnitude (zero point {zp:g}" + (", from nJy)" if lc.unit.name == "nJy" else ")")
    else:
        ylabel = f"flux ({lc.unit.name})"
    xlim = (0.0, 1.0) if opt.fold else ((lo, hi) if windowed else None)
    return Prepared(out, xlabel, ylabel, xlim, opt.mag, notes, period)


def title(lc: LightCurve) -> str:
    parts = [lc.name, f"dataset {lc.dataset}"]
    from minibroker.loader.classnames import show

    if lc.label is not None:
        parts.append(f"class {show(lc.label, lc.class_names)}")
    if lc.predicted is not None:
        parts.append(f"predicted {show(lc.predicted, lc.class_names)}" + (f" ({lc.model})" if lc.model else ""))
    return " | ".join(parts)


def draw(ax, lc: LightCurve, *, legend: bool = True, small: bool = False,
         options: Options | None = None) -> Prepared:
    """Draw ``lc`` on ``ax`` as :func:`prepare` lays it out; returns what was drawn."""
    p = prepare(lc, options)
    faint = _ylim(ax, p)
    for pb, b in p.bands.items():
        colour = BAND_COLOURS[pb]
        if b.gp_x is not None:
            y, lo, hi = _keep_nan(b.gp_y), _keep_nan(b.gp_lo), _keep_nan(b.gp_hi)
            if p.mag:  # a lower flux edge <= 0 has no magnitude: the band reaches the faint edge
                lo = np.where(np.isnan(lo) & np.isfinite(y), faint, lo)
            ax.fill_between(b.gp_x, lo, hi, where=np.isfinite(lo) & np.isfinite(hi),
                            color=colour, alpha=0.08 if b.dashed else 0.18, linewidth=0)
            ax.plot(b.gp_x, y, color=colour, linewidth=1.2 if not small else 0.9,
                    linestyle="--" if b.dashed else "-", gid=f"gp-{pb}")
        ax.errorbar(_clip(b.x), _clip(b.y), yerr=_clip(b.yerr), fmt="o", color=colour, ecolor=colour,
                    markersize=3.5 if not small else 2.0, elinewidth=0.8, capsize=0,
                    label=f"{pb} ({b.n})")
        if len(b.limit_x):
            ax.plot(b.limit_x, b.limit_y, linestyle="none", marker="v", markersize=4 if not small else 2.5,
                    markerfacecolor="none", color=colour, gid=f"limits-{pb}")
    if not p.mag:
        ax.axhline(0.0, color="0.7", linewidth=0.6, zorder=0)
    if p.xlim:
        ax.set_xlim(*p.xlim)
    ax.set_xlabel(p.xlabel if not small else "")
    ax.set_ylabel(p.ylabel, fontsize=None if not small else 7)
    if legend and p.bands:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        handles, labels = ax.get_legend_handles_labels()
        if any(b.gp_x is not None for b in p.bands.values()):
            handles += [Line2D([], [], color="0.3"), Patch(color="0.3", alpha=0.18)]
            labels += ["GP mean", "GP 95% band"]
        if any(b.dashed for b in p.bands.values()):
            handles.append(Line2D([], [], color="0.3", linestyle="--"))
            labels.append("GP fit not to trust")
        if any(len(b.limit_x) for b in p.bands.values()):
            handles.append(Line2D([], [], color="0.3", marker="v", linestyle="none", markerfacecolor="none"))
            labels.append(f"{LIMIT_SNR:g}-sigma upper limit")
        ax.legend(handles, labels, fontsize=8 if not small else 6, ncol=2, frameon=False)
    return p


def _ylim(ax, p: Prepared) -> float:
    """Scale to the observations (and limits) and GP means, not to the GP band: a wide band would
    flatten the curve. Values so extreme that the range overflows (fluxes near 1e308 are valid
    doubles) scale to the 1st-99th percentile instead; the points beyond lie off the axes.
    Magnitudes run bright up. Returns the faint (lower) edge."""
    lo, hi = [], []
    with np.errstate(all="ignore"):
        for b in p.bands.values():
            ys = [_clip(b.y) - _clip(b.yerr), _clip(b.y) + _clip(b.yerr), _clip(b.limit_y)]
            if b.gp_y is not None:
                ys.append(_keep_nan(b.gp_y))
            ys = np.concatenate(ys)
            ys = ys[np.isfinite(ys)]
            if len(ys):
                lo.append(np.min(ys))
                hi.append(np.max(ys))
        if not lo:
            return 0.0
        a, b = (min(lo), max(hi)) if p.mag else (min(min(lo), 0.0), max(hi))
        if not (np.isfinite(b - a) and abs(b - a) < MAX_SPAN):
            ys = np.concatenate([b_.y for b_ in p.bands.values()])
            ys = ys[np.isfinite(ys)]
            a, b = (np.percentile(ys, [1, 99]) if len(ys) else (-1.0, 1.0))
            a, b = float(max(a, -MAX_SPAN / 4)), float(min(b, MAX_SPAN / 4))
        pad = 0.08 * (b - a) if b > a else max(1.0, abs(a) * 0.1)
    if p.mag:
        ax.set_ylim(b + pad, a - pad)
        return b + pad
    ax.set_ylim(a - pad, b + pad)
    return a - pad


MAX_SPAN = 1e300  # a y range matplotlib can transform without overflowing
CLIP = 1e150      # values beyond are drawn at ±CLIP (flux ± error and spans then never overflow)


def _clip(values):
    return np.clip(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0, posinf=CLIP, neginf=-CLIP), -CLIP, CLIP)


def _keep_nan(values):
    """:func:`_clip` that keeps NaN (a GP masked there: matplotlib leaves a gap)."""
    return np.clip(np.asarray(values, dtype=float), -CLIP, CLIP)


def figure(lc: LightCurve, options: Options | None = None):
    fig, ax = plt.subplots(figsize=(10, 5), dpi=DPI)
    p = draw(ax, lc, options=options)
    t = title(lc)
    if lc.gp_source == "computed":
        t += " | GP fitted for this plot (not in lcGP)"
    if p.period is not None:
        t += f" | folded on {p.period:.6g} d"
    if any(np.any(np.abs(np.nan_to_num(getattr(c, k), nan=0.0)) > CLIP)
           for c in lc.bands.values() for k in ("t", "flux", "dflux")):
        t += f" | values beyond ±{CLIP:.0e} drawn at the limit"
    ax.set_title(t, fontsize=11)
    if p.notes:
        import textwrap

        text = textwrap.fill("; ".join(p.notes), 190)
        fig.text(0.01, 0.005, text, fontsize=7, color="0.35", va="bottom")
    fig.tight_layout(rect=(0, 0.025 * (1 + text.count("\n")), 1, 1) if p.notes else None)
    return fig, p


def dashed_note(p: Prepared) -> str | None:
    """A short note for a small panel: which bands' GP is dashed (not to trust), or None."""
    bands = [pb for pb, b in p.bands.items() if b.dashed]
    return f"GP dashed, not to trust: {', '.join(bands)}" if bands else None


def plot_object(conn, name: str, out: str | Path, *, dataset: str | None = None, gp: bool = False,
                db: str = "the database", options: Options | None = None) -> tuple[LightCurve, Prepared]:
    """Write the light curve of the object called ``name`` to ``out`` (PNG); returns what was drawn."""
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise UserError(f"cannot write {out}: directory {out.parent} does not exist")
    obj_id, ds, nm, label = find_object(conn, name, dataset, db)
    lc = light_curve(conn, obj_id, ds, nm, label, gp=gp)
    if not lc.bands:
        raise UserError(f"object {nm!r} of dataset {ds!r} has no photometry in rawPhot: reload its file")
    fig, p = figure(lc, options)
    try:
        fig.savefig(out, format="png")
    finally:
        plt.close(fig)
    return lc, p
