"""``python -m bench``: run the benchmark cases at several sizes, write results.md and results.json."""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import time
from pathlib import Path

from bench import data, meta, report
from bench.common import ROOT, checkpoint, copy_db, remove_db
from bench.stats import summary

CASES = ("load", "features", "gp", "predict", "stream")


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(float(s)) for s in text.split(",") if s.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes: give comma-separated integers, not {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("--sizes: give at least one size >= 1")
    return sizes


def _cases(text: str) -> list[str]:
    cases = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in cases if c not in CASES]
    if bad:
        raise argparse.ArgumentTypeError(f"--cases: unknown {', '.join(bad)} (known: {', '.join(CASES)})")
    return cases


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="MiniBroker benchmark: load, features, GP and predict against baselines measured in the "
                    "same run, at several sizes of simulated data; writes results.md and results.json.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--sizes", type=_sizes, default=_sizes("1000,10000,100000"),
                   help="numbers of simulated objects (one dataset each, cached)")
    p.add_argument("--repeats", type=int, default=3, help="runs of every measurement (medians and min-max)")
    p.add_argument("--cases", type=_cases, default=list(CASES), help=f"comma-separated subset of {','.join(CASES)}")
    p.add_argument("--out", type=Path, default=ROOT / "bench", help="directory for results.md and results.json")
    p.add_argument("--cache", type=Path, default=ROOT / "bench" / "cache",
                   help="simulated datasets (sim-<n>-seed<seed>/, reused when complete)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="scratch directory for the databases (default: <cache>/work; removed afterwards)")
    p.add_argument("--seed", type=int, default=0, help="simulation seed")
    p.add_argument("--mix", default="balanced", help="simulation class mix")
    p.add_argument("--jobs", type=int, default=None,
                   help="--jobs for minibroker load and the simulator (default: theirs, all cores)")
    p.add_argument("--baseline-files", type=int, default=2000,
                   help="files for the exercise's load baselines (per-row, bulk); 0 = all")
    p.add_argument("--ceiling-files", type=int, default=20000,
                   help="files for the executemany ceiling (parsed beforehand, in memory); 0 = all")
    p.add_argument("--baseline-objects", type=int, default=1000,
                   help="objects for the exercise's per-object features baseline; 0 = all")
    p.add_argument("--gp-curves", type=int, default=1000,
                   help="object-bands for the GP case (taken from the smallest size)")
    p.add_argument("--train-size", type=int, default=None,
                   help="predict case: train on the dataset of this size (default: the smallest of --sizes), loaded "
                        "and featurised into the same database as a second dataset when it differs from the size "
                        "predicted (training cost grows fast with objects; predicting is what is measured)")
    p.add_argument("--stream-sizes", type=_sizes, default=_sizes("10000"),
                   help="stream case: alerts per visit file (each with 30+30 histories)")
    p.add_argument("--stream-train", type=int, default=600,
                   help="stream case: simulated labelled objects the classifying model is trained on")
    p.add_argument("--stream-sustained", type=int, default=8, metavar="VISITS",
                   help="stream case: visits streamed with --follow while they arrive every --stream-cadence "
                        "seconds (latency p50/p99: keeping up); 0 = skip")
    p.add_argument("--stream-cadence", type=float, default=37.0, help="stream case: seconds between visits")
    p.add_argument("--fallback-data", type=Path, default=None,
                   help="only to test the harness without the sim package: copy these real files instead")
    p.add_argument("--keep-dbs", action="store_true", help="keep the scratch databases")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


class Bench:
    def __init__(self, args):
        self.args = args
        self.t0 = time.perf_counter()
        self.work = args.workdir or (args.cache / "work")
        self.results: dict = {
            "meta": {"date": meta.now(), "machine": meta.machine(), "versions": meta.versions(), "git": meta.git(),
                     "loadavg_start": meta.loadavg(), "command": " ".join(sys.argv),
                     "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}},
            "sizes": args.sizes, "cases": args.cases, "datasets": {}, "load": {}, "features": {},
            "predict": {}, "gp": None, "stream": {},
        }

    def log(self, msg: str) -> None:
        if not self.args.quiet:
            print(f"[bench {time.perf_counter() - self.t0:7.1f}s] {msg}", file=sys.stderr, flush=True)

    def save(self) -> None:
        self.results["meta"]["loadavg_end"] = meta.loadavg()
        self.results["meta"]["seconds"] = round(time.perf_counter() - self.t0, 1)
        report.finish(self.results)
        out = self.args.out
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(self.results, indent=1, default=str) + "\n")
        (out / "results.md").write_text(report.markdown(self.results))

    # ------------------------------------------------------------------ cases
    def run(self) -> None:
        a = self.args
        self.work.mkdir(parents=True, exist_ok=True)
        try:
            for n in (a.sizes if set(a.cases) - {"stream"} else []):  # the stream case has its own data
                self.size(n)
                self.save()
            if "gp" in a.cases:
                self.gp()
                self.save()
            if "stream" in a.cases:
                self.stream_case()
                self.save()
        finally:
            if not a.keep_dbs:
                shutil.rmtree(self.work, ignore_errors=True)
        self.save()

    def size(self, n: int) -> None:
        a = self.args
        d, info = data.ensure_dataset(a.cache, n, seed=a.seed, mix=a.mix, jobs=a.jobs, fallback=a.fallback_data,
                                      log=self.log)
        self.results["datasets"][str(n)] = dict(info, path=str(d))
        dataset = d.name
        base = self.work / f"loaded-{n}.db"
        need_db = any(c in a.cases for c in ("features", "predict")) or ("gp" in a.cases and n == a.sizes[0])
        if "load" in a.cases:
            self.load_case(n, d, base)
        elif need_db:
            from bench import load

            self.log(f"n={n}: loading (setup, not a measurement)")
            load.run_minibroker(d, base, a.jobs)
        if need_db or "load" in a.cases:
            checkpoint(base)
        featured = self.work / f"featured-{n}.db"
        if "features" in a.cases:
            self.features_case(n, base, featured)
        elif "predict" in a.cases:
            from bench import features

            self.log(f"n={n}: features (setup, not a measurement)")
            features.run_minibroker(base, featured)
        if "predict" in a.cases:
            self.predict_case(n, featured, dataset)
        if "gp" in a.cases and n == a.sizes[0]:
            self.gp_db = self.work / "gp.db"
            copy_db(base, self.gp_db)
        if not a.keep_dbs:
            remove_db(featured)
            remove_db(base)

    def _entry(self, label: str, runs: list[dict], note: str | None = None, unit: str = "rows/s") -> dict:
        return {"label": label, "unit": unit, "runs": runs, "rate": summary([r["rate"] for r in runs]),
                "rows": runs[-1].get("rows") if runs else None, "note": note}

    def load_case(self, n: int, d: Path, base: Path) -> None:
        from bench import load

        a = self.args
        files = load.list_dat(d)
        sub = files[:a.baseline_files] if a.baseline_files else files
        csub = files[:a.ceiling_files] if a.ceiling_files else files
        self.log(f"n={n}: load; parsing {len(csub)} files for the ceiling (not timed)")
        tuples = load.parse_tuples(csub)
        runs = {"minibroker": [], "per_row": [], "bulk": [], "ceiling": []}
        scratch = self.work / "baseline.db"
        for i in range(a.repeats):
            self.log(f"n={n}: load repeat {i + 1}/{a.repeats}: minibroker load")
            runs["minibroker"].append(load.run_minibroker(d, base, a.jobs))
            self.log(f"n={n}: load repeat {i + 1}/{a.repeats}: exercise per-row ({len(sub)} files)")
            runs["per_row"].append(load.run_per_row(sub, scratch))
            self.log(f"n={n}: load repeat {i + 1}/{a.repeats}: exercise bulk ({len(sub)} files)")
            runs["bulk"].append(load.run_bulk(sub, scratch))
            self.log(f"n={n}: load repeat {i + 1}/{a.repeats}: ceiling ({len(csub)} files)")
            runs["ceiling"].append(load.run_ceiling(csub, tuples, scratch))
        del tuples

        def subset(k):
            return None if k == len(files) else f"first {k:,} of {len(files):,} files"

        self.results["load"][str(n)] = {
            "minibroker": self._entry("minibroker load (subprocess, end to end)", runs["minibroker"]),
            "per_row": self._entry("exercise: pandas per file, one INSERT per row", runs["per_row"], subset(len(sub))),
            "bulk": self._entry("exercise bulk: pandas per file, one executemany per file", runs["bulk"],
                                subset(len(sub))),
            "ceiling": self._entry("ceiling: one executemany of parsed tuples, one transaction", runs["ceiling"],
                                   subset(len(csub))),
        }

    def features_case(self, n: int, base: Path, featured: Path) -> None:
        from bench import features

        a = self.args
        self.log(f"n={n}: features; extracting arrays for light-curve (not timed)")
        groups = features.extract_arrays(base)
        batches = features.kernel_batches(groups)
        runs = {"minibroker": [], "exercise": [], "light_curve": [], "kernel": []}
        scratch = self.work / "baseline.db"
        objects = None
        for i in range(a.repeats):
            self.log(f"n={n}: features repeat {i + 1}/{a.repeats}: minibroker features")
            runs["minibroker"].append(features.run_minibroker(base, featured))
            objects = runs["minibroker"][-1]["objects"]
            self.log(f"n={n}: features repeat {i + 1}/{a.repeats}: exercise per-object")
            runs["exercise"].append(features.run_exercise(base, scratch, a.baseline_objects))
            self.log(f"n={n}: features repeat {i + 1}/{a.repeats}: light-curve")
            runs["light_curve"].append(features.run_light_curve(groups))
            self.log(f"n={n}: features repeat {i + 1}/{a.repeats}: MiniBroker's kernel alone")
            runs["kernel"].append(features.run_kernel(batches))
        del groups, batches
        ex_objs = runs["exercise"][-1]["objects"]
        self.results["features"][str(n)] = {
            "minibroker": self._entry("minibroker features (subprocess, end to end)", runs["minibroker"]),
            "exercise": self._entry("exercise: per object read_sql + pandas/numpy/scipy per band", runs["exercise"],
                                    None if ex_objs == objects else f"first {ex_objs:,} of {objects:,} objects"),
            "light_curve": self._entry("light-curve (Rust) Extractor per object-band, arrays in memory",
                                       runs["light_curve"]),
            "kernel": self._entry("MiniBroker's kernel alone: udf.batch per 4,000 object-bands, arrays in memory",
                                  runs["kernel"]),
        }

    def predict_case(self, n: int, featured: Path, dataset: str) -> None:
        from bench import predict

        ok, why = predict.available()
        if not ok:
            self.results["predict"][str(n)] = {"available": False, "reason": why}
            self.log(f"n={n}: predict not available: {why}")
            return
        a = self.args
        train_size = a.train_size or a.sizes[0]
        try:
            train_dataset = dataset
            if train_size != n:
                from bench import features, load

                tdir, _ = data.ensure_dataset(a.cache, train_size, seed=a.seed, mix=a.mix, jobs=a.jobs,
                                              fallback=a.fallback_data, log=self.log)
                train_dataset = tdir.name
                self.log(f"n={n}: adding the {train_size}-object training set to the database (setup)")
                load.add_dataset(tdir, featured, a.jobs)
                features.add_features(featured, train_dataset)
            self.log(f"n={n}: train on {train_dataset} (once, for predict)")
            tr = predict.train(featured, train_dataset)
            tr["dataset"] = train_dataset
            runs = []
            for i in range(a.repeats):
                self.log(f"n={n}: predict repeat {i + 1}/{a.repeats}")
                runs.append(predict.run_predict(featured, dataset))
        except Exception as exc:  # the model package is being written: record, do not abort the run
            self.results["predict"][str(n)] = {"available": False, "reason": f"{type(exc).__name__}: {exc}"[:1500]}
            self.log(f"n={n}: predict failed: {exc}")
            return
        self.results["predict"][str(n)] = {
            "available": True, "train": tr,
            "minibroker": self._entry(f"minibroker predict (subprocess, chosen model {tr['chosen_model']})", runs,
                                      unit="objects/s"),
        }

    def stream_case(self) -> None:
        from bench import stream

        a = self.args
        try:
            model_db = stream.model_db(self.work / "stream-model", log=self.log, n_train=a.stream_train)
            for n in a.stream_sizes:
                self.results["stream"][str(n)] = stream.run_case(self.work / f"stream-{n}", a.cache, n, 30,
                                                                 model_db, a.jobs, log=self.log)
                self.save()
                if a.stream_sustained:
                    self.results["stream"][str(n)]["sustained"] = stream.sustained(
                        self.work / f"stream-{n}", a.cache, n, a.stream_sustained, a.stream_cadence, model_db,
                        a.jobs, log=self.log)
                    self.save()
        except Exception as exc:  # record, do not abort the other cases' results
            self.results["stream"]["0"] = {"available": False, "reason": f"{type(exc).__name__}: {exc}"[:1500]}
            self.log(f"stream failed: {exc}")

    def gp(self) -> None:
        from bench import gpcase

        ok, why = gpcase.available()
        if not ok:
            self.results["gp"] = {"available": False, "reason": why}
            self.log(f"gp not available: {why}")
            return
        db = getattr(self, "gp_db", None)
        try:
            curves, names = gpcase.curves_from_db(db, self.args.gp_curves)
            self.log(f"gp: {len(curves)} object-bands from n={self.args.sizes[0]}")
            runs = []
            for i in range(self.args.repeats):
                self.log(f"gp repeat {i + 1}/{self.args.repeats}")
                runs.append(gpcase.run_once(curves, names, jobs=self.args.jobs))
        except Exception as exc:
            self.results["gp"] = {"available": False, "reason": f"{type(exc).__name__}: {exc}"[:1500]}
            self.log(f"gp failed: {exc}")
            return
        finally:
            if db is not None:
                remove_db(db)
        pts = [len(c[0]) for c in curves]

        def entry(label, key):
            vals = [r[key] for r in runs if r.get(key)]
            return {"label": label, "unit": "light curves/s", "rate": summary(vals), "runs": vals}

        self.results["gp"] = {
            "available": True, "n_curves": len(curves), "from_size": self.args.sizes[0],
            "points_per_curve": {"min": min(pts), "median": sorted(pts)[len(pts) // 2], "max": max(pts)},
            "sklearn": entry("scikit-learn GaussianProcessRegressor per light curve", "sklearn_lc_per_s"),
            "sklearn_1thread": entry("scikit-learn per light curve, BLAS limited to 1 thread",
                                     "sklearn_1thread_lc_per_s"),
            "fast_warm": entry("gp.fit_predict_many, warm (worker pool kept, best of 3 per repeat)", "fast_lc_per_s"),
            "fast_cold": entry("gp.fit_predict_many, cold (first call, pool start-up included)",
                               "fast_lc_per_s_cold"),
            "agreement": {"tol": runs[-1].get("tol"),
                          "agree_fraction": summary([r["agree_fraction"] for r in runs]),
                          "rel_median": summary([r["rel_median"] for r in runs]),
                          "rel_max": summary([r["rel_max"] for r in runs]),
                          "disagreements_last_run": runs[-1].get("disagreements")},
            "runs": runs,
        }


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.repeats < 1:
        print("python -m bench: --repeats must be >= 1", file=sys.stderr)
        return 2
    b = Bench(args)

    def _term(signum, frame):  # a plain kill: clean up and write what was measured, as for Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    try:
        b.run()
    except KeyboardInterrupt:
        b.log("interrupted: writing what was measured")
        b.save()
        return 130
    b.log(f"wrote {args.out / 'results.md'} and {args.out / 'results.json'}")
    return 0
