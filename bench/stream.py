"""The stream case: alerts/s end to end (``minibroker stream``: decode, store, features, classify)
against the same alerts' plain fastavro full decode (the decode ceiling), and the latency of a
visit from its file's arrival to its classifications committed.

Alerts: ``n`` objects, each alert with ``history`` earlier detections and ``history`` forced
measurements (12 months at a 10-day cadence), latest schema, one container file per visit. Two
visits are timed:

- *first visit*: a new database (with a trained model) receives visit ``history`` of every object:
  every measurement in the histories is new;
- *next visit*: the database holds that visit; visit ``history + 1`` arrives, whose histories
  repeat what is stored but for the newest forced measurement and the detection: the steady state
  of a broker following the survey.
"""

from __future__ import annotations

import re
import resource
import time
from pathlib import Path

import numpy as np

from bench import proc
from bench.common import minibroker_exe, remove_db

CADENCE_DAYS = 10.0
MAX_VISITS = 64   # per simulated object; the draws are made for all of them


def write_visits(out: Path, n: int, history: int, seed: int = 0, count: int = 2) -> list[Path]:
    """Visit files ``visit_<k>.avro`` for k = history … history + count - 1 (cached when complete)."""
    import fastavro

    from minibroker.stream.simulate import AlertMaker

    out.mkdir(parents=True, exist_ok=True)
    ks = list(range(history, history + count))
    files = [out / f"visit_{k:03d}.avro" for k in ks]
    if all(f.exists() for f in files):
        return files
    if history + count > MAX_VISITS:
        raise ValueError(f"at most {MAX_VISITS - history} visits")
    maker = AlertMaker()
    rng = np.random.default_rng(seed)
    visits = MAX_VISITS   # the draws do not depend on count: a cached visit is the same visit
    bands = "griz"
    records = {k: [] for k in ks}
    wanted = range(ks[0] - history, ks[-1] + 1)
    for i in range(n):
        oid = 10**15 + i
        ra, dec = float(rng.uniform(0, 360)), float(rng.uniform(-60, 20))
        t = 61000.0 + CADENCE_DAYS * np.arange(visits) + rng.uniform(0, 0.3)
        err = rng.uniform(50, 150, visits)
        flux = err * rng.uniform(6, 40, visits) * rng.choice([-1, 1], visits)
        src = {j: maker.source(oid * 1000 + j, oid, int(t[j] * 2880), float(t[j]), bands[j % 4], float(flux[j]),
                               float(err[j]), ra, dec) for j in wanted}
        fcd = {j: maker.forced(oid * 1000 + j, oid, int(t[j] * 2880), float(t[j]), bands[j % 4], float(flux[j]),
                               float(err[j]), ra, dec) for j in wanted}
        for k in records:
            records[k].append(maker.alert(src[k], [src[j] for j in range(k - history, k)],
                                          [fcd[j] for j in range(k - history, k)], ra, dec, float(t[k])))
    for k, f in zip(records, files):
        if f.exists():
            continue
        tmp = f.with_name("." + f.name)
        with open(tmp, "wb") as fh:
            fastavro.writer(fh, maker.version.parsed, records[k])
        tmp.replace(f)
    return files


def fastavro_decode(path: Path) -> dict:
    """The ceiling: every record of the file decoded by fastavro into dicts, one process."""
    import fastavro

    start, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as fh:
        n = sum(1 for _ in fastavro.reader(fh))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"alerts": n, "seconds": seconds, "rate": n / seconds, "cpu_seconds": cpu, "cpu_rate": n / cpu}


_LINE = re.compile(r": (\d+) alerts.*in ([\d.]+) s \(([\d,]+) alerts/s, latency ([\d.]+) s\)")


def stream_argv(db: Path, directory: Path, jobs: int | None, *options: str) -> list[str]:
    """``minibroker stream`` of ``directory`` into ``db`` as dataset bench."""
    jobs_opt = ["--jobs", str(jobs)] if jobs is not None else []
    return [minibroker_exe(), "stream", *jobs_opt, *options, "--db", str(db), "--dataset", "bench", str(directory)]


def stream_file(db: Path, directory: Path, jobs: int | None) -> dict:
    argv = stream_argv(db, directory, jobs)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = proc.run(argv, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and its worker processes
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    m = _LINE.search(r.stdout)
    if not m:
        raise RuntimeError(f"no batch line in: {r.stdout[-500:]} {r.stderr[-500:]}")
    alerts, seconds, latency = int(m.group(1)), float(m.group(2)), float(m.group(4))
    return {"alerts": alerts, "batch_seconds": seconds, "process_seconds": r.seconds, "latency": latency,
            "rate": alerts / r.seconds, "batch_rate": alerts / seconds, "main_peak_mib": r.main_peak_mib,
            "cpu_seconds": cpu, "cpu_rate": alerts / cpu,
            "line": m.group(0)}


def model_db(work: Path, log=print, n_train: int = 600) -> Path:
    """A database with a model trained on ``n_train`` simulated labelled light curves (moments features)."""
    db = work / "model.db"
    if db.exists():
        return db
    work.mkdir(parents=True, exist_ok=True)
    exe = minibroker_exe()
    log("stream: training a model to classify with (setup)")
    proc.run([exe, "simulate", "--n", str(n_train), "--out", str(work / "train"), "--seed", "3", "--mix", "balanced"])
    proc.run([exe, "load", "--db", str(db), "--dataset", "train", str(work / "train")])
    proc.run([exe, "features", "--db", str(db)])
    proc.run([exe, "train", "--db", str(db), "--dataset", "train"])
    return db


def run_case(work: Path, cache: Path, n: int, history: int, model_db: Path | None, jobs: int | None,
             log=print) -> dict:
    """Both visits, timed end to end, and the fastavro ceiling on the same files."""
    import shutil

    files = write_visits(cache / f"alerts-{n}-h{history}", n, history)
    first_dir, next_dir = work / "first", work / "next"
    for d, f in ((first_dir, files[0]), (next_dir, files[1])):
        d.mkdir(parents=True, exist_ok=True)
        if not (d / f.name).exists():
            shutil.copy(f, d / f.name)
    db = work / f"stream-{n}.db"
    remove_db(db)
    if model_db is not None:
        shutil.copy(model_db, db)
    log(f"stream n={n}: first visit")
    first = stream_file(db, first_dir, jobs)
    log(f"stream n={n}: next visit")
    nxt = stream_file(db, next_dir, jobs)
    ceiling = [fastavro_decode(f) for f in files]
    remove_db(db)
    return {"n": n, "history": history, "first_visit": first, "next_visit": nxt, "fastavro": ceiling,
            "bytes_per_alert": files[0].stat().st_size / n}


def sustained(work: Path, cache: Path, n: int, visits: int, cadence: float, model_db: Path | None,
              jobs: int | None, history: int = 30, log=print) -> dict:
    """Keeping up: ``minibroker stream --follow`` runs while a visit file of ``n`` alerts arrives every
    ``cadence`` seconds (written beside, then renamed into the directory, as a producer would), on a
    database that already holds the previous visit. Latency per visit is from the file's arrival (its
    rename) to its classifications committed, so a visit that waits behind a slow one counts its wait.
    The filters run after each batch, as in production (they delay the next batch, not this one's)."""
    import os
    import shutil
    import signal
    import statistics
    import subprocess
    import tempfile

    files = write_visits(cache / f"alerts-{n}-h{history}", n, history, count=visits + 1)
    inbox = work / "inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    db = work / f"sustained-{n}.db"
    remove_db(db)
    if model_db is not None:
        shutil.copy(model_db, db)
    prime = work / "prime"
    shutil.rmtree(prime, ignore_errors=True)
    prime.mkdir(parents=True)
    shutil.copy(files[0], prime / files[0].name)
    log(f"stream sustained n={n}: priming with visit {files[0].name}")
    stream_file(db, prime, jobs)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    errors = tempfile.TemporaryFile("w+")   # a file, not a pipe nobody reads while it runs (could block it)
    proc_ = subprocess.Popen(stream_argv(db, inbox, jobs, "--follow"), stdout=subprocess.PIPE, stderr=errors,
                             text=True)
    time.sleep(3.0)  # start-up (imports, the model) is not a visit's latency
    start = time.monotonic()
    for k, f in enumerate(files[1:]):
        time.sleep(max(0.0, start + k * cadence - time.monotonic()))
        tmp = inbox / ("." + f.name)
        shutil.copy(f, tmp)
        os.replace(tmp, inbox / f.name)   # arrival: the rename
        log(f"stream sustained n={n}: visit {k + 1}/{visits} arrived")
    deadline = time.monotonic() + max(600.0, 4 * cadence * visits)
    lines: list[str] = []
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(proc_.stdout, selectors.EVENT_READ)
    while time.monotonic() < deadline and sum(1 for x in lines if _LINE.search(x)) < visits:
        if sel.select(timeout=1.0):
            line = proc_.stdout.readline()
            if not line:
                break
            lines.append(line)
    proc_.send_signal(signal.SIGTERM)
    try:
        out, _ = proc_.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc_.kill()
        out, _ = proc_.communicate()
    lines += out.splitlines()
    errors.seek(0)
    err = errors.read()
    errors.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    found = [m for m in (_LINE.search(x) for x in lines) if m]
    if len(found) < visits:
        raise RuntimeError(f"sustained: {len(found)} of {visits} visits done: {err[-800:]}")
    lat = sorted(float(m.group(4)) for m in found)
    p99 = lat[max(0, -(-99 * len(lat) // 100) - 1)]   # nearest rank
    return {"n": n, "visits": visits, "cadence": cadence, "latencies": [float(m.group(4)) for m in found],
            "batch_seconds": [float(m.group(2)) for m in found], "p50": statistics.median(lat), "p99": p99,
            "max": lat[-1], "alerts": sum(int(m.group(1)) for m in found), "cpu_seconds": cpu,
            "cpu_per_visit": cpu / visits, "kept_up": p99 < cadence}


def main(argv=None) -> int:
    import argparse
    import json

    p = argparse.ArgumentParser(prog="python -m bench.stream", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--history", type=int, default=30)
    p.add_argument("--no-model", action="store_true", help="stream without a trained model (no classification)")
    p.add_argument("--work", type=Path, default=Path("bench/cache/stream-work"))
    p.add_argument("--cache", type=Path, default=Path("bench/cache"))
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--sustained", type=int, default=0, metavar="VISITS",
                   help="instead: stream --follow while VISITS visit files arrive every --cadence seconds")
    p.add_argument("--cadence", type=float, default=37.0)
    a = p.parse_args(argv)
    model = None if a.no_model else model_db(a.work / "model")
    if a.sustained:
        res = sustained(a.work, a.cache, a.n, a.sustained, a.cadence, model, a.jobs, a.history)
    else:
        res = run_case(a.work, a.cache, a.n, a.history, model, a.jobs)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
