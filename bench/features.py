"""The features case: ``minibroker features`` on a database where every object needs them.

Rate: rows/s = g, r, i, z rawPhot rows of the objects computed / seconds.

- ``minibroker``: a fresh copy of the loaded database (lcFeats empty), ``minibroker features
  --db copy`` as a subprocess timed from spawn to exit; peak memory as for load.
- ``exercise per-object``: the exercise's way, in this process on its own copy: per object,
  ``pandas.read_sql_query("select * from rawPhot where objId = ?")`` through the standard
  ``sqlite3`` module, then per band numpy/scipy computing the same features and colours, one
  ``INSERT`` into lcFeats per object, committed at the end. Possibly on the first
  ``--baseline-objects`` objects only (the rate is on their rows).
- ``light-curve``: the Rust ``light-curve`` package's closest equivalents (StandardDeviation,
  Amplitude, MedianAbsoluteDeviation, BeyondNStd(1), Skew, WeightedMean) in one Extractor,
  called once per object-band on arrays extracted from the database beforehand (not timed),
  time-sorted, ``sorted=True, check=False``; all rows, one process, one thread.
- ``kernel``: MiniBroker's own computation alone, ``udf.batch.band_features_batch`` on the same
  in-memory arrays, in calls of 4,000 object-bands (what one 1,000-object chunk of ``minibroker
  features`` hands it), the arrays of each call concatenated beforehand (not timed, as the
  loader packs them into lcBands); one process, one thread. No database either: the fair
  comparison with light-curve, and against the command it shows what the database round trip
  and process start-up cost.
"""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path

import numpy as np

from bench import proc
from bench.common import BANDS, copy_db, griz_rows, minibroker_exe, remove_db, scalar

FEATS = ("Std", "Amp", "MAD", "Beyond", "Skew")
COLOURS = (("g", "r"), ("r", "i"), ("i", "z"))


def run_minibroker(base: Path, work: Path) -> dict:
    copy_db(base, work)
    rows = griz_rows(work)
    r = proc.run([minibroker_exe(), "features", "--db", str(work)])
    objects = scalar(work, "select count(*) from lcFeats")
    return {"seconds": r.seconds, "rows": rows, "rate": rows / r.seconds, "objects": objects,
            "memory": {k: getattr(r, k) for k in ("main_peak_mib", "workers_max_mib", "workers_sum_mib",
                                                    "workers_seen", "tree_peak_mib", "samples")},
            "stdout": r.stdout.strip()[-500:]}


def add_features(db: Path, dataset: str) -> None:
    """Compute one dataset's features in an existing database (setup, not measured)."""
    proc.run([minibroker_exe(), "features", "--db", str(db), "--dataset", dataset])


def _band_features(f: np.ndarray, e: np.ndarray):
    """The exercise's formulas for one band: (Std, Amp, MAD, Beyond, Skew, weighted mean)."""
    from scipy import stats

    n = len(f)
    if n == 0:
        return None, None, None, None, None, None
    with np.errstate(all="ignore"):
        snr2 = (f / e) ** 2
        w = np.sum(f * snr2) / np.sum(snr2)
        std = np.std(f / w, ddof=1) if n > 1 else None
        amp = (np.max(f) - np.min(f)) / w
        mad = np.median(np.abs(f - np.median(f)) / w)
        beyond = np.sum(np.abs(f - w) > np.std(f, ddof=1)) / n if n > 1 else None
        skew = stats.skew(f) if np.ptp(f) > 0 else None
    return std, amp, mad, beyond, skew, w


def _clean(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _colour(wx, wy):
    if wx is None or wy is None or not (wx > 0 and wy > 0):
        return -999.0
    return -2.5 * math.log10(wx / wy)


def run_exercise(base: Path, work: Path, max_objects: int | None) -> dict:
    import pandas as pd

    copy_db(base, work)
    ids = [r[0] for r in _ro(work).execute("select objId from objects order by objId")]
    if max_objects:
        ids = ids[:max_objects]
    conn = sqlite3.connect(str(work))
    conn.execute("pragma foreign_keys = on")
    cols = ["objId"] + [f"{b}{f}" for f in FEATS for b in BANDS] + [f"{x}Minus{y.upper()}" for x, y in COLOURS]
    insert = f"insert into lcFeats ({', '.join(cols)}) values ({', '.join('?' * len(cols))})"
    cur = conn.cursor()
    rows = 0
    start = time.perf_counter()
    for oid in ids:
        df = pd.read_sql_query("select * from rawPhot where objId = ?", conn, params=(oid,))
        per = {}
        for b in BANDS:
            s = df[df["pb"] == b]
            rows += len(s)
            per[b] = [_clean(v) for v in _band_features(s["flux"].to_numpy(float), s["dflux"].to_numpy(float))]
        values = [oid] + [per[b][k] for k in range(5) for b in BANDS] + \
                 [_colour(per[x][5], per[y][5]) for x, y in COLOURS]
        cur.execute(insert, values)
    conn.commit()
    seconds = time.perf_counter() - start
    conn.close()
    remove_db(work)
    return {"seconds": seconds, "rows": rows, "rate": rows / seconds, "objects": len(ids)}


def _ro(path: Path):
    import apsw

    return apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)


def extract_arrays(db: Path) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(t, flux, dflux) per object and g/r/i/z band, time-sorted, float64 (not timed).

    Streams the rows into preallocated arrays, so memory stays near the arrays' own size."""
    conn = _ro(db)
    n = conn.execute("select count(*) from rawPhot where pb in ('g', 'r', 'i', 'z')").fetchone()[0]
    key = np.empty(n, dtype=np.int64)
    arr = np.empty((3, n), dtype=np.float64)
    i = -1
    for i, (oid, pb, t, f, e) in enumerate(conn.execute(
            "select objId, pb, t, flux, dflux from rawPhot where pb in ('g', 'r', 'i', 'z') order by objId, pb, t")):
        key[i] = oid * 256 + ord(pb)
        arr[0, i] = t
        arr[1, i] = f
        arr[2, i] = e
    conn.close()
    n = i + 1
    if n == 0:
        return []
    key = key[:n]
    cut = np.flatnonzero(np.diff(key)) + 1
    bounds = np.concatenate([[0], cut, [n]])
    t, f, e = (np.ascontiguousarray(arr[k, :n]) for k in range(3))
    return [(t[a:b], f[a:b], e[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def light_curve_extractor():
    import light_curve as lc

    return lc.Extractor(lc.StandardDeviation(), lc.Amplitude(), lc.MedianAbsoluteDeviation(),
                        lc.BeyondNStd(1.0), lc.Skew(), lc.WeightedMean())


def run_light_curve(groups) -> dict:
    ext = light_curve_extractor()
    nan = float("nan")
    rows = sum(len(g[0]) for g in groups)
    start = time.perf_counter()
    for t, f, e in groups:
        ext(t, f, e, sorted=True, check=False, fill_value=nan)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": rows, "rate": rows / seconds, "object_bands": len(groups)}


KERNEL_GROUPS = 4000  # object-bands per call: one 1,000-object chunk of ``minibroker features``


def kernel_batches(groups) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(n, flux, dflux) per call of ``band_features_batch``, concatenated (not timed)."""
    out = []
    for i in range(0, len(groups), KERNEL_GROUPS):
        part = groups[i:i + KERNEL_GROUPS]
        out.append((np.array([len(g[1]) for g in part]), np.concatenate([g[1] for g in part]),
                    np.concatenate([g[2] for g in part])))
    return out


def run_kernel(batches) -> dict:
    from minibroker.udf.batch import band_features_batch

    rows = sum(len(b[1]) for b in batches)
    start = time.perf_counter()
    for n, f, e in batches:
        band_features_batch(n, f, e)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": rows, "rate": rows / seconds, "object_bands": sum(len(b[0]) for b in batches)}
