"""Benchmark: scikit-learn per light curve vs :func:`minibroker.gp.fit_predict_many`.

    python -m minibroker.gp.bench [DATA_DIR | --db FILE] [--bands griz] [--jobs N] [--repeat K]

``DATA_DIR`` (``FAKE*.dat`` files) defaults to :data:`DEFAULT_DATA`, the original exercise's
light curves in ``../shared/data`` beside the project; a missing directory is an error.

Both are run in the same process on the same object-bands.  scikit-learn is
the plain approach (one ``GaussianProcessRegressor`` per curve, fit +
predict on a 200-point grid, library defaults).  Ours is timed cold (first
call, with no worker pool running: a small batch is fitted in-process while
the pool starts in the background, a large one waits for it) and warm (best of
``--repeat`` calls with the worker pool kept, as in a long-running broker).
Both timings include the grid prediction; ours also computes features.

Agreement: per object-band ``rel = max|mu_fast - mu_sk| / max(max|mu_sk|,
tiny)`` on the grid; an object-band agrees if ``rel <= 1e-3``.  The
disagreeing ones are listed with both log-marginal-likelihoods and
hyperparameters, so one can see whether they are different local optima.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

# the project root is three levels up (minibroker/gp/bench.py); the shared data sit beside it
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = str(PROJECT_ROOT.parent / "shared" / "data" / "training_set_for_LSST_DSFP")
TINY = 1e-300


def read_lc(path):
    """Read one ``FAKE*.dat`` file (``#key:value`` header, then columns
    ``t pb flux dflux``).  Small local helper; the project's loader will
    replace it."""
    import pandas as pd

    return pd.read_csv(path, comment="#", sep=r"\s+")


def load_curves(data_dir=DEFAULT_DATA, bands="griz", pattern="FAKE*.dat", min_points=1):
    """List of ``(name, band, (t, f, e))`` for every file and band with ``min_points`` points.

    Raises :class:`FileNotFoundError` if ``data_dir`` is not a directory."""
    if not os.path.isdir(data_dir):
        raise FileNotFoundError(f"no light-curve directory {data_dir} (expected the FAKE*.dat files "
                                f"of the exercise in ../shared/data beside the project)")
    out = []
    for p in sorted(glob.glob(os.path.join(data_dir, pattern))):
        d = read_lc(p)
        name = os.path.splitext(os.path.basename(p))[0]
        for b in bands:
            s = d[d["pb"] == b]
            if len(s) < min_points:
                continue
            out.append((name, b, (s["t"].to_numpy(float), s["flux"].to_numpy(float),
                                  s["dflux"].to_numpy(float))))
    return out


def curves_from_db(db, bands="ugrizy", min_points=3):
    """``(name, band, (t, f, e))`` of every object-band of a MiniBroker database (from lcBands,
    the arrays ``make gp`` fits), with at least ``min_points`` points."""
    import json

    from minibroker.database import connect
    from minibroker.core.sqlfiles import render

    conn = connect(db, readonly=True)
    names = dict(conn.execute("select objId, name from objects").fetchall())
    rows = conn.execute(render("queries/gp/bands.sql"), {"objIds": json.dumps(sorted(names))}).fetchall()
    conn.close()
    return [(names[oid], pb, (np.frombuffer(t, "<f8"), np.frombuffer(f, "<f8"), np.frombuffer(e, "<f8")))
            for oid, pb, n, t, f, e in rows if pb in bands and n >= min_points]


def sklearn_fit_predict(t, f, e, n_grid=200):
    """The reference: scikit-learn exactly as specified."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import Matern

    kernel = 0.5 * np.median(e) ** 2 * Matern(length_scale=10.0, nu=2.5,
                                                 length_scale_bounds=(1.0, 20.0))
    gpr = GaussianProcessRegressor(kernel=kernel, alpha=e ** 2)
    gpr.fit(t[:, None], f)
    grid = np.linspace(t.min(), t.max(), n_grid)
    mu, sd = gpr.predict(grid[:, None], return_std=True)
    k = gpr.kernel_
    return {
        "grid": grid, "mean": mu, "std": sd,
        "amplitude": float(k.k1.constant_value),
        "length_scale": float(k.k2.length_scale),
        "lml": float(gpr.log_marginal_likelihood_value_),
    }


def relative_difference(mu_fast, mu_sk):
    return float(np.max(np.abs(mu_fast - mu_sk)) / max(np.max(np.abs(mu_sk)), TINY))


def bench(curves, n_grid=200, jobs=None, repeat=3, tol=1e-3, names=None):
    """Time sklearn vs ours on ``curves`` (list of (t, f, e)) and compare.

    Returns a dict with ``n_curves``, ``sklearn_lc_per_s``,
    ``fast_lc_per_s_cold``, ``fast_lc_per_s`` (warm, best of ``repeat``),
    ``speedup`` (warm) and ``speedup_cold``, ``agree_fraction``,
    ``rel_median``/``rel_max``, ``disagreements`` (list of dicts) and the
    per-curve ``rel`` array.
    """
    from . import parallel as gpfit

    curves = [tuple(np.asarray(a, dtype=float) for a in c) for c in curves]
    names = names or [str(i) for i in range(len(curves))]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn ConvergenceWarnings
        t0 = time.perf_counter()
        ref = [sklearn_fit_predict(t, f, e, n_grid) for t, f, e in curves]
        t_sk = time.perf_counter() - t0
        # stricter baseline: sklearn with BLAS limited to one thread (its
        # default multi-threaded BLAS only spins on these small matrices)
        t_sk1 = None
        try:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(1, user_api="blas"):
                t0 = time.perf_counter()
                for t, f, e in curves:
                    sklearn_fit_predict(t, f, e, n_grid)
                t_sk1 = time.perf_counter() - t0
        except ImportError:  # pragma: no cover
            pass

    # cold: close any pool so that start-up is counted
    gpfit.shutdown()
    t0 = time.perf_counter()
    res = gpfit.fit_predict_many(curves, n_grid=n_grid, jobs=jobs)
    t_cold = time.perf_counter() - t0
    t_warm = np.inf
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        res = gpfit.fit_predict_many(curves, n_grid=n_grid, jobs=jobs)
        t_warm = min(t_warm, time.perf_counter() - t0)

    t_one = np.inf  # one process, for a per-core comparison
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        gpfit.fit_predict_many(curves, n_grid=n_grid, jobs=1)
        t_one = min(t_one, time.perf_counter() - t0)

    rel = np.array([relative_difference(r.mean, s["mean"]) for r, s in zip(res, ref)])
    bad = []
    for i in np.nonzero(~(rel <= tol))[0]:
        r, s = res[i], ref[i]
        bad.append({
            "name": names[i], "n": len(curves[i][0]), "rel": float(rel[i]),
            "lml_fast": r.fit.log_marginal_likelihood, "lml_sklearn": s["lml"],
            "amp_fast": r.fit.amplitude, "amp_sklearn": s["amplitude"],
            "ls_fast": r.fit.length_scale, "ls_sklearn": s["length_scale"],
            "converged_fast": r.fit.converged, "message_fast": r.fit.message,
        })
    n = len(curves)
    return {
        "n_curves": n,
        "sklearn_seconds": t_sk,
        "sklearn_lc_per_s": n / t_sk,
        "fast_seconds_cold": t_cold,
        "fast_lc_per_s_cold": n / t_cold,
        "fast_seconds": t_warm,
        "fast_lc_per_s": n / t_warm,
        "fast_seconds_1proc": t_one,
        "fast_lc_per_s_1proc": n / t_one,
        "sklearn_1thread_seconds": t_sk1,
        "sklearn_1thread_lc_per_s": n / t_sk1 if t_sk1 else None,
        "speedup": t_sk / t_warm,
        "speedup_vs_1thread": t_sk1 / t_warm if t_sk1 else None,
        "speedup_cold": t_sk / t_cold,
        "agree_fraction": float(np.mean(rel <= tol)),
        "rel_median": float(np.median(rel)),
        "rel_max": float(np.max(rel)),
        "tol": tol,
        "disagreements": bad,
        "rel": rel,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", nargs="?", default=DEFAULT_DATA)
    ap.add_argument("--bands", default="griz")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n-grid", type=int, default=200)
    ap.add_argument("--db", help="read the object-bands from this database's lcBands instead of files")
    args = ap.parse_args(argv)
    if args.db:
        if not os.path.isfile(args.db):
            print(f"no database at {args.db}", file=sys.stderr)
            return 2
        items = curves_from_db(args.db, args.bands)
        args.data_dir = args.db
    else:
        try:
            items = load_curves(args.data_dir, args.bands, min_points=3)
        except FileNotFoundError as exc:
            print(exc, file=sys.stderr)
            return 2
    if not items:
        print(f"no light curves found in {args.data_dir}", file=sys.stderr)
        return 2
    names = [f"{n}:{b}" for n, b, _ in items]
    curves = [c for _, _, c in items]
    ns = np.array([len(c[0]) for c in curves])
    print(f"{len(set(n for n, _, _ in items))} files, {len(curves)} object-bands "
          f"({args.bands}), points per band: min {ns.min()} median {np.median(ns):.0f} "
          f"max {ns.max()}; cpus {os.cpu_count()}, jobs {args.jobs or os.cpu_count()}")
    r = bench(curves, n_grid=args.n_grid, jobs=args.jobs, repeat=args.repeat, names=names)
    print(f"sklearn per curve : {r['sklearn_seconds']:.3f} s  {r['sklearn_lc_per_s']:8.1f} lc/s")
    if r["sklearn_1thread_seconds"]:
        print(f"sklearn, 1 BLAS thread: {r['sklearn_1thread_seconds']:.3f} s  "
              f"{r['sklearn_1thread_lc_per_s']:8.1f} lc/s")
    print(f"gp cold (1st call): {r['fast_seconds_cold']:.3f} s  {r['fast_lc_per_s_cold']:8.1f} lc/s"
          f"  speed-up {r['speedup_cold']:.1f}x  (no worker pool yet: starts it or runs in-process)")
    print(f"gp warm (best of {args.repeat}): {r['fast_seconds']:.3f} s  {r['fast_lc_per_s']:8.1f} lc/s"
          f"  speed-up {r['speedup']:.1f}x"
          + (f" ({r['speedup_vs_1thread']:.1f}x vs sklearn with 1 BLAS thread)"
             if r["speedup_vs_1thread"] else ""))
    print(f"gp 1 process (best of {args.repeat}): {r['fast_seconds_1proc']:.3f} s  "
          f"{r['fast_lc_per_s_1proc']:8.1f} lc/s  speed-up {r['sklearn_seconds']/r['fast_seconds_1proc']:.1f}x"
          + (f" ({r['sklearn_1thread_seconds']/r['fast_seconds_1proc']:.1f}x vs sklearn with 1 BLAS thread)"
             if r["sklearn_1thread_seconds"] else ""))
    print(f"agreement (rel <= {r['tol']:g}): {r['agree_fraction']*100:.2f}%  "
          f"median rel {r['rel_median']:.2e}  max rel {r['rel_max']:.2e}")
    if r["disagreements"]:
        print("disagreeing object-bands:")
        for d in r["disagreements"]:
            print(f"  {d['name']:12s} n={d['n']:3d} rel={d['rel']:.2e} "
                  f"lml fast={d['lml_fast']:.6f} sk={d['lml_sklearn']:.6f} "
                  f"amp {d['amp_fast']:.4g}/{d['amp_sklearn']:.4g} "
                  f"ls {d['ls_fast']:.4g}/{d['ls_sklearn']:.4g} {d['message_fast']}")
    else:
        print("disagreeing object-bands: none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
