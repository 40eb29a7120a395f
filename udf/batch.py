"""The per-band features of many light curves at once, with whole-array numpy operations.

The same definitions as ``udf.stats`` (see there), computed for G groups laid end to end:
group k is ``f[s_k : s_k + n[k]]`` with ``s`` the running sum of ``n``. Undefined values are NaN
(no points; one point for std and beyond; weighted mean 0 or undefined; constant for skew).
Groups are contiguous, so per-group sums are ``np.add.reduceat`` over each group's slice (numpy's
pairwise summation, as ``np.sum``) and per-group values are broadcast back with ``np.repeat``:
no scattered reads or writes. Results agree with the one-group definitions to ~1e-15 relative.
"""

import numpy as np

_EPS = np.finfo(np.float64).eps
KEYS = ("n", "wmean", "std", "amp", "mad", "beyond", "skew")


def band_features_batch(n: np.ndarray, f: np.ndarray, e: np.ndarray) -> dict[str, np.ndarray]:
    """Features of every group; keys KEYS, each an array of length len(n)."""
    n = np.asarray(n, dtype=np.int64)
    if n.size and n.min() > 0:
        return _nonempty(n, f, e)
    out = {k: np.full(len(n), np.nan) for k in KEYS}  # empty groups (none from lcBands): NaN
    out["n"] = n
    keep = n > 0
    if keep.any():
        sub = _nonempty(n[keep], f, e)
        for k in KEYS[1:]:
            out[k][keep] = sub[k]
    return out


def _nonempty(n: np.ndarray, f: np.ndarray, e: np.ndarray) -> dict[str, np.ndarray]:
    starts = np.zeros(len(n), np.int64)
    np.cumsum(n[:-1], out=starts[1:])
    nf = n.astype(np.float64)

    def total(x):
        return np.add.reduceat(x, starts)

    def each(x):
        return np.repeat(x, n)

    with np.errstate(all="ignore"):  # inf/NaN from extreme values end as NaN (NULL), not warnings
        snr2 = (f / e) ** 2
        denom = total(snr2)
        w = total(f * snr2) / denom
        w[~(denom > 0) | ~np.isfinite(denom)] = np.nan

        mean = total(f) / nf
        d = f - each(mean)
        d2 = d * d
        ss = total(d2)
        m2 = ss / nf
        m3 = total(d2 * d) / nf
        std1 = np.sqrt(ss / (nf - 1))          # std(f, ddof=1)
        std1[n < 2] = np.nan

        fmax = np.maximum.reduceat(f, starts)
        fmin = np.minimum.reduceat(f, starts)
        usable = np.isfinite(w) & (w != 0)
        wu = np.where(usable, w, np.nan)

        groups = _Groups(n, starts)
        ordered = groups.sort(f, fmin, fmax)
        med = groups.median(ordered)
        # |f - median| from the sorted values: the same numbers per group, in V order (falling
        # then rising), which the stable sort below merges quickly
        dev = np.abs(ordered - each(med))
        mad_raw = groups.median(groups.sort(dev, np.zeros(len(n)), np.maximum(fmax - med, med - fmin)))
        beyond = groups.count(np.abs(f - each(w)) > each(std1)) / nf
        beyond[(n < 2) | np.isnan(w)] = np.nan

        denom3 = m2 ** 1.5
        skew = m3 / denom3
        skew[(m2 <= (_EPS * mean) ** 2) | (denom3 == 0)] = np.nan
        return {
            "n": n,
            "wmean": w,
            "std": std1 / np.abs(wu),
            "amp": (fmax - fmin) / wu,
            "mad": mad_raw / np.abs(wu),
            "beyond": beyond,
            "skew": skew,
        }


class _Groups:
    """Sorting, medians and counts within contiguous non-empty groups."""

    def __init__(self, n: np.ndarray, starts: np.ndarray):
        self.n = n
        self.starts = starts
        self.index = np.repeat(np.arange(len(n), dtype=np.float64), n)  # group number per element

    def sort(self, values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """``values`` sorted within each group (groups stay in place), exactly; every value of
        group k lies in [lo[k], hi[k]].

        One stable argsort of a single float key, group + position in the group's range (in
        [k, k + 0.5]), is several times faster than a two-key lexsort. Rounding of that key can
        only tie distinct values, never reverse them (the key is monotone in the value); a group
        where a tie left values out of order is re-sorted exactly with lexsort. A group whose range
        overflows gets key k for all its values and so always takes that exact path."""
        with np.errstate(over="ignore", invalid="ignore"):
            span = hi - lo
            ok = np.isfinite(span) & (span > 0)
            scale = np.where(ok, 0.5 / np.where(ok, span, 1.0), 0.0)
            lo = np.where(ok, lo, 0.0)
            key = self.index + (values - np.repeat(lo, self.n)) * np.repeat(scale, self.n)
            out = values[np.argsort(key, kind="stable")]
            bad = np.diff(out) < 0
        bad[self.starts[1:] - 1] = False  # a fall from one group to the next is fine
        if bad.any():  # typically values one ulp apart, e.g. the two |f - median| of an even group
            groups = np.unique(np.searchsorted(self.starts, np.flatnonzero(bad), side="right") - 1)
            idx = np.concatenate([np.arange(s, s + k) for s, k in zip(self.starts[groups], self.n[groups])])
            out[idx] = values[idx][np.lexsort((values[idx], self.index[idx]))]
        return out

    def median(self, ordered: np.ndarray) -> np.ndarray:
        """Median of each group of the group-sorted ``ordered`` (as np.median)."""
        half = self.starts + self.n // 2
        upper = ordered[half]
        lower = ordered[half - (self.n % 2 == 0)]
        return np.where(self.n % 2 == 1, upper, (lower + upper) / 2)

    def count(self, mask: np.ndarray) -> np.ndarray:
        """True values of ``mask`` per group."""
        c = np.zeros(mask.size + 1, np.int64)
        np.cumsum(mask, out=c[1:])
        return (c[self.starts + self.n] - c[self.starts]).astype(np.float64)
