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
            gp_flux, gp_err = _clip(c.gp_flux), _clip(c.gp_err)
            ax.fill_between(_clip(c.gp_t), gp_flux - Z95 * gp_err, gp_flux + Z95 * gp_err,
                            color=colour, alpha=0.18, linewidth=0)
            ax.plot(_clip(c.gp_t), gp_flux, color=colour, linewidth=1.2 if not small else 0.9)
        ax.errorbar(_clip(c.t), _clip(c.flux), yerr=_clip(c.dflux), fmt="o", color=colour, ecolor=colour,
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
    widens to the prior and would flatten the curve. Values so extreme that the range overflows
    (fluxes near 1e308 are valid doubles) scale to the 1st-99th percentile of the fluxes instead;
    the points beyond lie off the axes."""
    lo, hi = [], []
    with np.errstate(all="ignore"):
        for c in lc.bands.values():
            lo.append(np.min(_clip(c.flux) - _clip(c.dflux)))
            hi.append(np.max(_clip(c.flux) + _clip(c.dflux)))
            if c.gp_t is not None:
                lo.append(np.min(_clip(c.gp_flux)))
                hi.append(np.max(_clip(c.gp_flux)))
        if not lo:
            return
        a, b = min(min(lo), 0.0), max(hi)
        if not (np.isfinite(b - a) and abs(b - a) < MAX_SPAN):
            flux = np.concatenate([c.flux for c in lc.bands.values()])
            flux = flux[np.isfinite(flux)]
            a, b = (np.percentile(flux, [1, 99]) if len(flux) else (-1.0, 1.0))
            a, b = float(max(a, -MAX_SPAN / 4)), float(min(b, MAX_SPAN / 4))
        pad = 0.08 * (b - a) if b > a else max(1.0, abs(a) * 0.1)
    ax.set_ylim(a - pad, b + pad)


MAX_SPAN = 1e300  # a y range matplotlib can transform without overflowing
CLIP = 1e150      # values beyond are drawn at ±CLIP (flux ± error and spans then never overflow)


def _clip(values):
    return np.clip(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0, posinf=CLIP, neginf=-CLIP), -CLIP, CLIP)


def figure(lc: LightCurve):
    fig, ax = plt.subplots(figsize=(10, 5), dpi=DPI)
    draw(ax, lc)
    t = title(lc)
    if lc.gp_source == "computed":
        t += " | GP fitted for this plot (not in lcGP)"
    if any(np.any(np.abs(np.nan_to_num(getattr(c, k), nan=0.0)) > CLIP)
           for c in lc.bands.values() for k in ("t", "flux", "dflux")):
        t += f" | values beyond ±{CLIP:.0e} drawn at the limit"
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
