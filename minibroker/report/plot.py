"""One object's multiband light curve: flux with error bars against MJD, one colour per band,
and (optionally) the GP mean with its 95% band."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minibroker.core.errors import UserError

from .data import LightCurve, find_object, light_curve
from .style import BAND_COLOURS, BAND_ORDER, DPI, plt

Z95 = 1.959963984540054  # two-sided 95% of a normal distribution


def title(lc: LightCurve) -> str:
    parts = [lc.name, f"dataset {lc.dataset}"]
    from minibroker.loader.classnames import show

    if lc.label is not None:
        parts.append(f"class {show(lc.label, lc.class_names)}")
    if lc.predicted is not None:
        parts.append(f"predicted {show(lc.predicted, lc.class_names)}" + (f" ({lc.model})" if lc.model else ""))
    return " | ".join(parts)


def draw(ax, lc: LightCurve, *, legend: bool = True, small: bool = False) -> None:
    """Draw ``lc`` on ``ax``: error bars per band, GP mean and 95% band where present."""
    for pb in sorted(lc.bands, key=BAND_ORDER.index):
        c = lc.bands[pb]
        colour = BAND_COLOURS[pb]
        if c.gp_t is not None:
            ax.fill_between(c.gp_t, c.gp_flux - Z95 * c.gp_err, c.gp_flux + Z95 * c.gp_err,
                            color=colour, alpha=0.18, linewidth=0)
            ax.plot(c.gp_t, c.gp_flux, color=colour, linewidth=1.2 if not small else 0.9)
        ax.errorbar(c.t, c.flux, yerr=c.dflux, fmt="o", color=colour, ecolor=colour,
                    markersize=3.5 if not small else 2.0, elinewidth=0.8, capsize=0,
                    label=f"{pb} ({len(c.t)})")
    ax.axhline(0.0, color="0.7", linewidth=0.6, zorder=0)
    _ylim(ax, lc)
    ax.set_xlabel("MJD" if not small else "")
    ax.set_ylabel("flux")
    if legend and lc.bands:
        handles, labels = ax.get_legend_handles_labels()
        if lc.gp_source:
            from matplotlib.lines import Line2D
            from matplotlib.patches import Patch

            handles += [Line2D([], [], color="0.3"), Patch(color="0.3", alpha=0.18)]
            labels += ["GP mean", "GP 95% band"]
        ax.legend(handles, labels, fontsize=8 if not small else 6, ncol=2, frameon=False)


def _ylim(ax, lc: LightCurve) -> None:
    """Scale to the observations and GP means, not to the GP band: across a season gap the band
    widens to the prior and would flatten the curve."""
    lo, hi = [], []
    for c in lc.bands.values():
        lo.append(np.min(c.flux - c.dflux))
        hi.append(np.max(c.flux + c.dflux))
        if c.gp_t is not None:
            lo.append(np.min(c.gp_flux))
            hi.append(np.max(c.gp_flux))
    if lo:
        a, b = min(min(lo), 0.0), max(hi)
        pad = 0.08 * (b - a) if b > a else 1.0
        ax.set_ylim(a - pad, b + pad)


def figure(lc: LightCurve):
    fig, ax = plt.subplots(figsize=(10, 5), dpi=DPI)
    draw(ax, lc)
    t = title(lc)
    if lc.gp_source == "computed":
        t += " | GP fitted for this plot (not in lcGP)"
    ax.set_title(t, fontsize=11)
    fig.tight_layout()
    return fig


def plot_object(conn, name: str, out: str | Path, *, dataset: str | None = None, gp: bool = False,
                db: str = "the database") -> LightCurve:
    """Write the light curve of the object called ``name`` to ``out`` (PNG); returns what was drawn."""
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise UserError(f"cannot write {out}: directory {out.parent} does not exist")
    obj_id, ds, nm, label = find_object(conn, name, dataset, db)
    lc = light_curve(conn, obj_id, ds, nm, label, gp=gp)
    if not lc.bands:
        raise UserError(f"object {nm!r} of dataset {ds!r} has no photometry in rawPhot: reload its file")
    fig = figure(lc)
    try:
        fig.savefig(out, format="png")
    finally:
        plt.close(fig)
    return lc
