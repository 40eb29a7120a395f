"""Ratios, targets and scaling from the raw measurements; the markdown a person reads."""

from __future__ import annotations

from bench.stats import fmt_mib, fmt_rate, fmt_ratio, ratio, summary

# (case, baseline key, minimum MiniBroker/baseline ratio, wording)
TARGETS = [
    ("load", "ceiling", 0.5, "≥ 0.5× the executemany ceiling, end to end"),
    ("load", "bulk", 3.0, "several times (taken as ≥ 3×) the exercise's bulk way"),
    ("features", "exercise", 50.0, "≥ 50× the exercise's per-object way"),
    ("features", "light_curve", 0.5, "≥ 0.5× light-curve's rows/s"),
]
GP_TARGET = 20.0
GP_AGREE = 0.99
FLAT = 1.5


def _pair_ratios(mb: dict, other: dict) -> dict:
    a = [r["rate"] for r in mb["runs"]]
    b = [r["rate"] for r in other["runs"]]
    per = [x / y for x, y in zip(a, b) if y]
    return {"median_ratio": ratio(mb["rate"]["median"], other["rate"]["median"]), "per_repeat": summary(per)}


def finish(res: dict) -> None:
    """Add ``ratios``, ``targets`` and ``scaling`` to ``res`` (idempotent)."""
    targets = []
    for case in ("load", "features"):
        for size, entries in res.get(case, {}).items():
            mb = entries.get("minibroker")
            if not mb:
                continue
            ratios = {k: _pair_ratios(mb, v) for k, v in entries.items()
                      if k not in ("minibroker", "ratios") and isinstance(v, dict) and "runs" in v}
            entries["ratios"] = ratios
            for tcase, key, need, words in TARGETS:
                if tcase == case and key in ratios:
                    value = ratios[key]["median_ratio"]
                    targets.append({"case": case, "size": int(size), "target": words, "need": need,
                                    "value": value, "display": fmt_ratio(value),
                                    "met": value is not None and value >= need})
    gp = res.get("gp")
    if gp and gp.get("available"):
        sk = gp["sklearn"]["rate"]["median"]
        agree = gp["agreement"]["agree_fraction"]["median"]
        gp["ratios"] = {
            "warm_vs_sklearn": ratio(gp["fast_warm"]["rate"]["median"], sk),
            "cold_vs_sklearn": ratio(gp["fast_cold"]["rate"]["median"], sk),
            "warm_vs_sklearn_1thread": ratio(gp["fast_warm"]["rate"]["median"], gp["sklearn_1thread"]["rate"]["median"]),
            "cold_vs_sklearn_1thread": ratio(gp["fast_cold"]["rate"]["median"], gp["sklearn_1thread"]["rate"]["median"]),
        }
        for which in ("warm", "cold"):
            v = gp["ratios"][f"{which}_vs_sklearn"]
            targets.append({"case": "gp", "size": gp.get("from_size"),
                            "target": f"≥ {GP_TARGET:g}× scikit-learn per curve at equal accuracy "
                                      f"(≥ {GP_AGREE:.0%} of curves agree), {which}",
                            "need": GP_TARGET, "value": v,
                            "display": f"{fmt_ratio(v)}, {agree:.1%} agree" if agree is not None else fmt_ratio(v),
                            "met": v is not None and v >= GP_TARGET and agree is not None and agree >= GP_AGREE})
    res["scaling"] = _scaling(res)
    for case in ("load", "features"):
        s = res["scaling"].get(case)
        if s and s.get("ratio") is not None:
            targets.append({"case": case, "size": None,
                            "target": f"time per row flat within {FLAT:g}× from {s['from']:,} to {s['to']:,} objects",
                            "need": FLAT, "value": s["ratio"], "display": fmt_ratio(s["ratio"]),
                            "met": s["ratio"] <= FLAT})
        if s and s.get("memory_ratio") is not None:
            targets.append({"case": case, "size": None,
                            "target": f"streams: peak memory (command + workers) does not grow with the number of "
                                      f"files (≤ {FLAT:g}× counted as flat), {s['memory_from']:,} → {s['to']:,}",
                            "need": FLAT, "value": s["memory_ratio"], "display": fmt_ratio(s["memory_ratio"]),
                            "met": s["memory_ratio"] <= FLAT})
    res["targets"] = targets


def _mem(entry: dict, key: str) -> float | None:
    return summary([(r.get("memory") or {}).get(key) for r in entry["runs"]])["median"]


def _total_mem(entry: dict) -> float | None:
    vals = []
    for r in entry["runs"]:
        m = r.get("memory") or {}
        if m.get("main_peak_mib") is not None:
            vals.append(m["main_peak_mib"] + (m.get("workers_sum_mib") or 0.0))
    return summary(vals)["median"]


def _scaling(res: dict) -> dict:
    out = {}
    for case in ("load", "features"):
        rows = []
        for size in sorted(res.get(case, {}), key=int):
            mb = res[case][size].get("minibroker")
            if not mb or not mb["rate"]["median"]:
                continue
            rows.append({"size": int(size), "rows": mb["rows"],
                         "s_per_mrow": 1e6 / mb["rate"]["median"],
                         "s_per_mrow_min": 1e6 / mb["rate"]["max"], "s_per_mrow_max": 1e6 / mb["rate"]["min"],
                         "main_peak_mib": _mem(mb, "main_peak_mib"), "workers_sum_mib": _mem(mb, "workers_sum_mib"),
                         "workers_max_mib": _mem(mb, "workers_max_mib"), "tree_peak_mib": _mem(mb, "tree_peak_mib"),
                         "total_peak_mib": _total_mem(mb)})
        s = {"sizes": rows}
        if len(rows) >= 2:
            lo, mid, hi = rows[0], rows[-2], rows[-1]
            # memory: between the two largest sizes, where every fixed-size part (the page caches,
            # the worker processes, which a run of one chunk does not start) is in play in both
            s.update({"from": lo["size"], "to": hi["size"], "ratio": hi["s_per_mrow"] / lo["s_per_mrow"],
                      "memory_from": mid["size"], "memory_ratio": ratio(hi["total_peak_mib"], mid["total_peak_mib"]),
                      "memory_ratio_smallest": ratio(hi["total_peak_mib"], lo["total_peak_mib"])})
            if mid["total_peak_mib"] is not None and hi["total_peak_mib"] is not None and hi["size"] > mid["size"]:
                s["bytes_per_file"] = ((hi["total_peak_mib"] - mid["total_peak_mib"]) * 2**20
                                       / (hi["size"] - mid["size"]))
        out[case] = s
    return out


# ---------------------------------------------------------------------------------- markdown
def _range(s: dict) -> str:
    if s.get("median") is None:
        return "n/a"
    return f"{fmt_rate(s['min'])} – {fmt_rate(s['max'])}"


def _rate_table(entries: dict, order: list[str], unit: str) -> list[str]:
    ratios = entries.get("ratios", {})
    lines = [f"| way | rows measured | {unit} median | min – max | MiniBroker ÷ this (median; per-repeat range) | note |",
             "|---|---:|---:|---:|---:|---|"]
    for key in order:
        e = entries.get(key)
        if not e:
            continue
        if key == "minibroker":
            rr = "—"
        else:
            r = ratios.get(key, {})
            pr = r.get("per_repeat", {})
            rr = fmt_ratio(r.get("median_ratio"))
            if pr.get("median") is not None:
                rr += f" ({fmt_ratio(pr['min'])} – {fmt_ratio(pr['max'])})"
        name = f"**{e['label']}**" if key == "minibroker" else e["label"]
        rows = f"{e['rows']:,}" if e.get("rows") is not None else ""
        lines.append(f"| {name} | {rows} | {fmt_rate(e['rate']['median'])} | {_range(e['rate'])} | {rr} | "
                     f"{e.get('note') or ''} |")
    return lines


def markdown(res: dict) -> str:
    m = res["meta"]
    mach, v = m["machine"], m["versions"]
    L = ["# MiniBroker benchmark results", ""]
    L.append(f"Run {m['date']} · `{m['command']}` · {m.get('seconds', 0):.0f} s · "
             f"git {(m['git'].get('commit') or 'n/a')[:12]}"
             + (" (with uncommitted changes to tracked files)" if m["git"].get("tracked_changes") else ""))
    L.append("")
    mem = mach["memory"]
    L.append(f"**Machine**: {mach['platform']}, {mach['cpu_model']}, {mach['cpu_count']} CPUs "
             f"({mach['cpus_usable']} usable), {mem.get('total_gib')} GiB RAM. "
             f"Load average (1/5/15 min) at start {m.get('loadavg_start')}, at end {m.get('loadavg_end')} — "
             f"other jobs share the machine, so compare the ratios (measured in the same run) rather than "
             f"absolute rates.")
    L.append("")
    L.append("**Versions**: " + ", ".join(f"{k} {val}" for k, val in v.items()))
    L.append("")
    a = m["args"]
    L.append(f"Every measurement ran {a['repeats']} times, interleaved (MiniBroker, then each baseline, per repeat); "
             "tables give the median and min – max, ratios are ratios of the medians (and, in brackets, the range of "
             "the per-repeat ratios). MiniBroker commands run as subprocesses and are timed from spawn to exit "
             "(interpreter start-up included); baselines run inside the harness process.")
    L.append("")
    ds = res.get("datasets", {})
    if ds:
        L.append("**Data**: " + "; ".join(
            f"{int(n):,} objects ({d.get('source')}, seed {d.get('seed')}, {d.get('mix')}, "
            f"{(d.get('observations') or 0):,} observations{', cached' if d.get('cached') else ''})"
            for n, d in sorted(ds.items(), key=lambda kv: int(kv[0]))))
        L.append("")

    L += ["## Targets", "", "| case | size | target | measured | met |", "|---|---:|---|---:|:---:|"]
    for t in res.get("targets", []):
        size = "" if t["size"] is None else f"{t['size']:,}"
        met = "yes" if t["met"] else "**no**"
        L.append(f"| {t['case']} | {size} | {t['target']} | {t['display']} | {met} |")
    if not res.get("targets"):
        L.append("| — | | nothing measured | | |")
    L.append("")

    if res.get("load"):
        L += ["## Load (rows/s)", "",
              "Parse + insert + commit. MiniBroker: `minibroker load --db fresh.db DIR` (worker pool + one writer). "
              "Baselines on a fresh database from `broker.db.connect` (same schema, foreign keys on, WAL), one "
              "transaction committed at the end; the exercise's ways insert one `objects` row per file in the timed "
              "part; the ceiling's tuples are parsed beforehand (not timed).", ""]
        for size in sorted(res["load"], key=int):
            L += [f"### {int(size):,} objects", ""]
            L += _rate_table(res["load"][size], ["minibroker", "ceiling", "bulk", "per_row"], "rows/s")
            mb = res["load"][size]["minibroker"]
            selfs = summary([r.get("self_seconds") for r in mb["runs"]])
            if selfs["median"]:
                L += ["", f"The load command's own timer (without interpreter start-up) says {selfs['median']:.2f} s "
                          f"median ({fmt_rate(mb['rows'] / selfs['median'])} rows/s) against "
                          f"{summary([r['seconds'] for r in mb['runs']])['median']:.2f} s spawn to exit."]
            L.append("")

    if res.get("features"):
        L += ["## Features (rows/s of g, r, i, z photometry)", "",
              "MiniBroker: `minibroker features --db copy.db` on a fresh copy of the loaded database (lcFeats empty, "
              "every object needs features). The exercise's way runs per object (`pandas.read_sql_query` through "
              "`sqlite3`, numpy/scipy per band, one INSERT per object). light-curve: one Extractor (StandardDeviation, "
              "Amplitude, MedianAbsoluteDeviation, BeyondNStd(1), Skew, WeightedMean) per object-band on arrays "
              "extracted beforehand, one thread; it neither reads nor writes the database. MiniBroker's kernel: the "
              "same computation the command runs inside SQLite (`udf.batch.band_features_batch`), alone on those "
              "arrays, one call per 4,000 object-bands, one thread.", ""]
        for size in sorted(res["features"], key=int):
            L += [f"### {int(size):,} objects", ""]
            entries = res["features"][size]
            L += _rate_table(entries, ["minibroker", "kernel", "light_curve", "exercise"], "rows/s")
            kernel, lc = entries.get("kernel"), entries.get("light_curve")
            if kernel and lc:
                per = [k["rate"] / c["rate"] for k, c in zip(kernel["runs"], lc["runs"]) if c["rate"]]
                L += ["", f"Computation alone, same arrays, no database: MiniBroker's kernel ÷ light-curve = "
                          f"{fmt_ratio(ratio(kernel['rate']['median'], lc['rate']['median']))} "
                          f"({fmt_ratio(min(per))} – {fmt_ratio(max(per))} per repeat)." if per else ""]
            L.append("")

    L += ["## GP (light curves/s)", ""]
    gp = res.get("gp")
    if not gp:
        L += ["Not run.", ""]
    elif not gp.get("available"):
        L += ["Not available: " + " ".join(str(gp.get("reason")).split()), ""]
    else:
        p = gp["points_per_curve"]
        ag = gp["agreement"]
        L += [f"`gp.bench.bench` on {gp['n_curves']} object-bands of the {gp['from_size']:,}-object dataset "
              f"(points per curve: min {p['min']}, median {p['median']}, max {p['max']}); fit + predict on a 200-point "
              "grid each.", "",
              "| way | light curves/s median | min – max | ours ÷ this (warm / cold) |", "|---|---:|---:|---:|"]
        r = gp["ratios"]
        for key in ("fast_warm", "fast_cold", "sklearn", "sklearn_1thread"):
            e = gp[key]
            rr = "—"
            if key == "sklearn":
                rr = f"{fmt_ratio(r['warm_vs_sklearn'])} / {fmt_ratio(r['cold_vs_sklearn'])}"
            elif key == "sklearn_1thread":
                rr = f"{fmt_ratio(r['warm_vs_sklearn_1thread'])} / {fmt_ratio(r['cold_vs_sklearn_1thread'])}"
            name = f"**{e['label']}**" if key.startswith("fast") else e["label"]
            L.append(f"| {name} | {fmt_rate(e['rate']['median'])} | {_range(e['rate'])} | {rr} |")
        af = ag["agree_fraction"]["median"]
        L += ["", f"Agreement of the posterior means (max |Δμ| / max |μ_sklearn| ≤ {ag['tol']}): "
                  f"{af:.2%} of curves (median over repeats); median rel {ag['rel_median']['median']:.2e}, "
                  f"max rel {ag['rel_max']['median']:.2e}.", ""]

    L += ["## Predict (objects/s)", ""]
    if not res.get("predict"):
        L += ["Not run.", ""]
    else:
        L += ["`minibroker predict --db X --dataset D` as a subprocess (spawn to exit, interpreter start-up "
              "included) on the featurised database, after `minibroker train` there on the labelled dataset named "
              "in the table (the smallest size unless `--train-size`; loaded into the same database as a second "
              "dataset when it is not the one predicted).", "",
              "| size | trained on | chosen model | objects | objects/s median | min – max | train (once) s |",
              "|---:|---|---|---:|---:|---:|---:|"]
        for size in sorted(res["predict"], key=int):
            p = res["predict"][size]
            if not p.get("available"):
                why = " ".join(str(p.get("reason", "")).split())[:300].replace("|", "/")
                L.append(f"| {int(size):,} | not available: {why} | | | | | |")
                continue
            e = p["minibroker"]
            L.append(f"| {int(size):,} | {p['train'].get('dataset')} | {p['train'].get('chosen_model')} | {e['runs'][-1]['objects']:,} | "
                     f"{fmt_rate(e['rate']['median'])} | {_range(e['rate'])} | {p['train']['seconds']:.1f} |")
        L.append("")

    sc = res.get("scaling", {})
    if any(s.get("sizes") for s in sc.values()):
        L += ["## Scaling and memory", "",
              "Seconds per million rows (MiniBroker, median; min – max) and peak resident memory in MiB (median over "
              "repeats). *Main*: the command's own process (kernel VmHWM, sampled every 50 ms). *Workers*: the "
              "sum of the peaks of its descendant processes (the worker interpreters of broker.workers; an upper "
              "bound of their joint use); *max worker*: the largest "
              "single one. *Total* = main + workers, the figure the streaming check uses.", "",
              "| case | objects | rows | s / M rows | min – max | main MiB | workers MiB (sum) | max worker MiB | total MiB |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for case in ("load", "features"):
            for r in sc.get(case, {}).get("sizes", []):
                L.append(f"| {case} | {r['size']:,} | {r['rows']:,} | {r['s_per_mrow']:.2f} | "
                         f"{r['s_per_mrow_min']:.2f} – {r['s_per_mrow_max']:.2f} | {fmt_mib(r['main_peak_mib'])} | "
                         f"{fmt_mib(r['workers_sum_mib'])} | {fmt_mib(r['workers_max_mib'])} | "
                         f"{fmt_mib(r['total_peak_mib'])} |")
        L.append("")
        for case in ("load", "features"):
            s = sc.get(case, {})
            if s.get("ratio") is not None:
                per_file = s.get("bytes_per_file")
                L.append(f"- {case}: time per row at {s['to']:,} ÷ at {s['from']:,} objects = "
                         f"{s['ratio']:.2f} (target ≤ {FLAT:g}); peak memory at {s['to']:,} ÷ at "
                         f"{s['memory_from']:,} objects = {fmt_ratio(s.get('memory_ratio'))}"
                         + (f" ({per_file:,.0f} bytes per extra file)" if per_file is not None else "")
                         + f"; ÷ at {s['from']:,} = {fmt_ratio(s.get('memory_ratio_smallest'))} (the smallest run "
                           "has not yet filled the fixed-size page caches and, for features, is one chunk "
                           "computed without worker processes).")
        L.append("")
    L += _stream_section(res)
    return "\n".join(L) + "\n"


def _stream_section(res: dict) -> list[str]:
    """The alert stream (bench/stream.py): end to end against the fastavro decode ceiling."""
    st = res.get("stream") or {}
    if not st:
        return []
    L = ["## Alert stream", "",
         "`minibroker stream` on one visit file (latest schema; every alert with 30 detections and 30 forced "
         "measurements of history), timed as a subprocess from spawn to exit: decode in worker processes, "
         "store, features of the changed objects, classification with the chosen model, commit. *First visit*: "
         "a new database, every history measurement is new. *Next visit*: the database holds the previous "
         "visit, so only the newest measurements are new (the steady state). *fastavro*: a plain "
         "`fastavro.reader` full decode of the same file in one process, the decode ceiling. Latency: from "
         "the file's arrival to its classifications committed. *CPU*: alerts per CPU second (user + system of the "
         "command and its workers; of the harness for fastavro), which other jobs on the machine disturb less "
         "than wall-clock rates.", "",
         "| alerts | visit | end to end alerts/s | batch alerts/s | latency s | main MiB | fastavro alerts/s "
         "| end to end ÷ fastavro | CPU: end to end | CPU: fastavro |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, r in sorted(st.items(), key=lambda kv: int(kv[0])):
        if not r.get("available", True):
            L.append(f"| {int(n):,} | not measured: {r.get('reason', '')[:200]} | | | | | | | | |")
            continue
        for key, label, ceil in (("first_visit", "first", r["fastavro"][0]), ("next_visit", "next", r["fastavro"][1])):
            v = r[key]
            L.append(f"| {int(n):,} | {label} | {v['rate']:,.0f} | {v['batch_rate']:,.0f} | {v['latency']:.1f} | "
                     f"{v['main_peak_mib']:.0f} | {ceil['rate']:,.0f} | {v['rate'] / ceil['rate']:.2f} | "
                     f"{v.get('cpu_rate', 0):,.0f} | {ceil.get('cpu_rate', 0):,.0f} |")
    L.append("")
    kept = [(int(n), r["sustained"]) for n, r in sorted(st.items(), key=lambda kv: int(kv[0])) if r.get("sustained")]
    if kept:
        L += ["### Keeping up", "",
              "`minibroker stream --follow` on a database holding the previous visit, while a visit file arrives "
              "every *cadence* seconds (written beside the directory, then renamed into it, as a producer does). "
              "Latency per visit: from its file's arrival to its classifications committed, so a visit waiting "
              "behind a slow one counts its wait; the filters run after each commit, as in production. *Kept up*: "
              "p99 latency under the cadence.", "",
              "| alerts per visit | visits | cadence s | latency p50 s | p99 s | max s | CPU s per visit | kept up |",
              "|---:|---:|---:|---:|---:|---:|---:|---|"]
        for n, s in kept:
            L.append(f"| {n:,} | {s['visits']} | {s['cadence']:.0f} | {s['p50']:.1f} | {s['p99']:.1f} | "
                     f"{s['max']:.1f} | {s['cpu_per_visit']:.1f} | {'yes' if s['kept_up'] else '**no**'} |")
        L.append("")
    return L
