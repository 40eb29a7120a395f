"""The report's figures: anomaly gallery, confusion matrix, feature distributions per class, early classification."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from minibroker.loader.classnames import show

from .data import light_curve, stored_gp
from .plot import dashed_note, draw
from .style import DPI, plt


def _save(fig, out: Path) -> Path:
    try:
        fig.savefig(out, format="png")
    finally:
        plt.close(fig)
    return out


def anomaly_gallery(conn, anomalies: list[dict], out: Path, ncols: int = 3) -> Path:
    """One panel per anomaly (rank, name, score, labels), with the GP where lcGP has it (drawn only
    where observations constrain it; dashed when the fit is flagged as not to be trusted)."""
    n = len(anomalies)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.3 * nrows), dpi=DPI, squeeze=False)
    for ax, a in zip(axes.flat, anomalies):
        lc = light_curve(conn, a["objId"], a["dataset"], a["name"], a["trueLabel"], gp=False)
        stored_gp(conn, lc)
        drawn = draw(ax, lc, small=True)
        labels = []
        if a["trueLabel"] is not None:
            labels.append(f"class {show(a['trueLabel'], lc.class_names)}")
        if a["predicted"] is not None:
            labels.append(f"pred {show(a['predicted'], lc.class_names)}")
        note = dashed_note(drawn)
        ax.set_title(f"#{a['rank']} {a['name']} ({a['dataset']}) score {a['score']:.3f}"
                     + (f"\n{', '.join(labels)}" if labels else "") + (f"\n{note}" if note else ""), fontsize=9)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle(f"Top {n} anomalies (IsolationForest score, higher is stranger)", fontsize=12)
    fig.tight_layout()
    return _save(fig, out)


def confusion_matrix(counts: list[tuple], out: Path, title: str, names: dict[int, str] | None = None) -> Path:
    """``counts``: (trueLabel, predicted, n).  Cells show counts; colour is the row fraction; ticks
    show class names where ``names`` has them."""
    classes = sorted({c[0] for c in counts} | {c[1] for c in counts})
    idx = {c: i for i, c in enumerate(classes)}
    m = np.zeros((len(classes), len(classes)), dtype=int)
    for true, pred, n in counts:
        m[idx[true], idx[pred]] += n
    frac = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    size = max(4.5, 0.6 * len(classes) + 2.5)
    fig, ax = plt.subplots(figsize=(size + 1, size), dpi=DPI)
    im = ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            if m[i, j]:
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=9,
                        color="white" if frac[i, j] > 0.6 else "black")
    ticks = [show(c, names or {}) for c in classes]
    ax.set_xticks(range(len(classes)), ticks, rotation=30 if max(map(len, ticks)) > 3 else 0)
    ax.set_yticks(range(len(classes)), ticks)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    acc = np.trace(m) / max(m.sum(), 1)
    ax.set_title(f"{title}\naccuracy {acc:.3f} on {m.sum()} objects", fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    fig.tight_layout()
    return _save(fig, out)


def feature_distributions(columns: list[str], rows: list[tuple], features: list[str], out: Path,
                          title: str, names: dict[int, str] | None = None) -> Path | None:
    """Box plots of each feature per class (NULL, NaN and -999 left out); None if nothing to plot."""
    li = columns.index("label")
    labels = np.array([r[li] for r in rows])
    classes = sorted(set(labels.tolist()))
    usable = []
    for f in features:
        x = np.array([np.nan if r[columns.index(f)] is None else r[columns.index(f)] for r in rows], dtype=float)
        x[x == -999.0] = np.nan
        if np.isfinite(x).sum() >= 2:
            usable.append((f, x))
    if not usable:
        return None
    ncols = 4
    nrows = math.ceil(len(usable) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.6 * nrows), dpi=DPI, squeeze=False)
    for ax, (f, x) in zip(axes.flat, usable):
        data = [x[(labels == c) & np.isfinite(x)] for c in classes]
        ax.boxplot([d if len(d) else [np.nan] for d in data], showfliers=True,
                   flierprops={"markersize": 2})
        ax.set_xticks(range(1, len(classes) + 1), [show(c, names or {}) for c in classes], fontsize=7)
        fin = x[np.isfinite(x)]
        if len(fin) and fin.min() > 0 and fin.max() / max(fin.min(), 1e-300) > 1e3:
            ax.set_yscale("log")
        ax.set_title(f, fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    for ax in list(axes.flat)[len(usable):]:
        ax.set_visible(False)
    fig.suptitle(f"{title} (x: class; {len(rows)} labelled objects)", fontsize=12)
    fig.tight_layout()
    return _save(fig, out)


def early_classification(by_axis: dict, out: Path, title: str, names: dict[int, str] | None = None,
                         min_n: int = 10) -> Path:
    """One panel per axis (``{axis title: [early.Bin]}``): balanced accuracy per bin (black, with the
    number of classifications above each point) and each class's recall (colours; hollow markers where
    the class has fewer than ``min_n`` classifications in the bin)."""
    classes = sorted({c for bins in by_axis.values() for b in bins for c in b.count})
    colours = plt.get_cmap("tab10")
    fig, axes = plt.subplots(1, len(by_axis), figsize=(6.4 * len(by_axis), 4.4), dpi=DPI, squeeze=False)
    for ax, (axis_title, bins) in zip(axes.flat, by_axis.items()):
        x = np.arange(len(bins))
        for k, c in enumerate(classes):
            pts = [(i, b.recall[c], b.count[c]) for i, b in enumerate(bins) if c in b.count]
            if not pts:
                continue
            xi, r, n = (np.array(v) for v in zip(*pts))
            col = colours(k % 10)
            ax.plot(xi, r, "-", color=col, lw=1.2, alpha=0.8, label=show(c, names or {}))
            full = n >= min_n
            ax.plot(xi[full], r[full], "o", color=col, ms=5)
            ax.plot(xi[~full], r[~full], "o", mfc="none", color=col, ms=5)
        bal = [b.balanced for b in bins]
        ax.plot(x, bal, "s-", color="black", lw=2.2, ms=6, label="balanced accuracy", zorder=5)
        for i, b in enumerate(bins):
            ax.annotate(str(b.n), (i, bal[i]), textcoords="offset points", xytext=(0, 7), ha="center",
                        fontsize=7)
        ax.set_xticks(x, [b.label for b in bins], rotation=30 if len(bins) > 5 else 0, fontsize=8)
        ax.set_ylim(-0.03, 1.08)
        ax.set_xlabel(axis_title)
        ax.set_ylabel("recall / balanced accuracy")
        ax.grid(axis="y", alpha=0.3)
    axes.flat[-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return _save(fig, out)
