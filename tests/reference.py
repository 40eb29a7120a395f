"""Independent plain-numpy/scipy implementations of the exercise's feature formulas, written
straight from the issue text, and a pandas reader of the files that does not use the loader."""

import numpy as np
import pandas as pd
import scipy.stats

BANDS = "griz"


def read_lc(path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", sep=r"\s+")


def ref_band(f: np.ndarray, e: np.ndarray) -> dict:
    if len(f) == 0:
        return dict(w=None, Std=None, Amp=None, MAD=None, Beyond=None, Skew=None)
    w = np.sum(f * (f / e) ** 2) / np.sum((f / e) ** 2)
    sk = scipy.stats.skew(f)
    return dict(
        w=w,
        Std=np.std(f / w, ddof=1) if len(f) > 1 else None,
        Amp=(f.max() - f.min()) / w,
        MAD=np.median(np.abs((f - np.median(f)) / w)),
        Beyond=np.sum(np.abs(f - w) > np.std(f, ddof=1)) / len(f) if len(f) > 1 else None,
        Skew=None if np.isnan(sk) else sk,
    )


def ref_lcfeats(df: pd.DataFrame) -> dict:
    """lcFeats columns (gStd ... iMinusZ) of one light curve."""
    out, w = {}, {}
    for b in BANDS:
        sel = df[df["pb"] == b]
        r = ref_band(sel["flux"].to_numpy(float), sel["dflux"].to_numpy(float))
        w[b] = r.pop("w")
        for k, v in r.items():
            out[f"{b}{k}"] = v
    for x, y in zip(BANDS, BANDS[1:]):
        if w[x] is None or w[y] is None:
            out[f"{x}Minus{y.upper()}"] = None
        elif w[x] > 0 and w[y] > 0:
            out[f"{x}Minus{y.upper()}"] = -2.5 * np.log10(w[x] / w[y])
        else:
            out[f"{x}Minus{y.upper()}"] = -999.0
    return out


def ref_lomb_scargle(t: np.ndarray, y: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """The classic Lomb–Scargle power (Lomb 1976, Scargle 1982) of mean-subtracted ``y`` at angular
    frequencies ``omega`` (> 0), straight from the formula in blocks of frequencies, in the standard
    normalisation (divided by the sum of squares)."""
    y = y - y.mean()
    out = np.empty(omega.size)
    for s in range(0, omega.size, 2048):
        w = omega[s:s + 2048, None]
        tau = np.arctan2(np.sin(2 * w * t).sum(1), np.cos(2 * w * t).sum(1))[:, None] / (2 * w)
        c, sn = np.cos(w * (t - tau)), np.sin(w * (t - tau))
        out[s:s + 2048] = ((c * y).sum(1) ** 2 / (c * c).sum(1) + (sn * y).sum(1) ** 2 / (sn * sn).sum(1)) / 2
    return out * 2 / (y ** 2).sum()


def ref_shape(df: pd.DataFrame, det_snr: float = 5.0) -> dict:
    """The non-periodogram lcPeriodFeats columns of one light curve (g, r, i, z)."""
    out, means = {}, {}
    sel = df[df["pb"].isin(list(BANDS))]
    for b in BANDS:
        d = df[df["pb"] == b]
        f, e = d["flux"].to_numpy(float), d["dflux"].to_numpy(float)
        out[f"{b}NObs"] = len(f)
        out[f"{b}PeakSNR"] = (f / e).max() if len(f) else None
        means[b] = np.sum(f * (f / e) ** 2) / np.sum((f / e) ** 2) if len(f) else None
    scale = max(abs(m) for m in means.values() if m is not None)
    for b in BANDS:
        out[f"{b}MeanNorm"] = None if means[b] is None else means[b] / scale
    out["duration"] = sel["t"].max() - sel["t"].min()
    det = sel[sel["flux"] / sel["dflux"] >= det_snr]["t"]
    out["detDuration"] = det.max() - det.min() if len(det) >= 2 else None
    return out
