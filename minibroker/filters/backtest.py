"""``minibroker backtest``: what a stream filter would have sent, night by night, as of each night.

The replay builds a scratch database (migrations applied) and feeds it the source's measurements
one night at a time (a night is an integer MJD, measurements with night <= t < night + 1). Before a
night's filter run, the scratch database holds exactly the measurements with t < night + 1: its
lcBands are re-packed and its features recomputed for the objects measured that night (the same
in-database feature path as ``make features``, on the truncated arrays), and when the filter reads
predictions the source's chosen model classifies them again from those features. Then the
filter runs on that night's touched objects through the stream's own ``Engine`` (no delivery).
Nothing from a later night exists in the scratch database when a night runs, so nothing can leak.

Reported: matches per night, each object's first match, precision against known labels (the
filter's ``-- correct:`` labels, or ``--correct``), and nights from the first detection to the first match.
"""

import json
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from minibroker.analyst.sql import FILTERS_DIR
from minibroker.core.db import immediate
from minibroker.database import connect
from minibroker.core.errors import UserError
from minibroker.features.pipeline import compute
from minibroker.core.sqlfiles import render
from minibroker.filters.run import Engine
from minibroker.filters.spec import FilterError, parse

SNR_DETECTION = 5.0
_USES_MODEL = re.compile(r"\b(latestPredictions|predictions|objectPredictions)\b")


@dataclass
class Backtest:
    filter: str
    nights: list[int] = field(default_factory=list)
    per_night: dict[int, int] = field(default_factory=dict)       # night -> new matches
    touched: dict[int, int] = field(default_factory=dict)         # night -> objects measured
    failures: dict[int, str] = field(default_factory=dict)        # night -> error of the filter
    first: dict[int, dict] = field(default_factory=dict)          # objId -> first match
    correct: frozenset[int] | None = None
    seconds: float = 0.0
    every: list[tuple[int, int, dict]] | None = None             # (night, objId, payload) when kept

    @property
    def matches(self) -> int:
        return sum(self.per_night.values())

    def precision(self) -> tuple[int, int] | None:
        """(right, labelled) over first-matched objects with a known label, or None without a rule."""
        if self.correct is None:
            return None
        labelled = [m for m in self.first.values() if m["label"] is not None]
        return sum(m["label"] in self.correct for m in labelled), len(labelled)

    def lags(self) -> list[float]:
        return [m["lag"] for m in self.first.values() if m["lag"] is not None]


def _pack(conn, ids: list[int]) -> list[tuple]:
    """lcBands rows (objId, pb, n, t, flux, dflux blobs) of the touched objects, from the replay's rawPhot."""
    rows = conn.execute(render("filtering/backtest/touched_phot.sql"), {"ids": json.dumps(ids)}).fetchall()
    out, start = [], 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][:2] != rows[start][:2]:
            arr = np.array([r[2:] for r in rows[start:i]], dtype="<f8")
            out.append((rows[start][0], rows[start][1], i - start,
                        arr[:, 0].tobytes(), arr[:, 1].tobytes(), arr[:, 2].tobytes()))
            start = i
    return out


def _predict(conn, run_id: int) -> None:
    from minibroker.model.predict import predict

    datasets = [r[0] for r in conn.execute(render("queries/loader/datasets.sql"))]
    for ds in datasets:
        predict(conn, ds, run_id)


def backtest(db: str | Path, name: str, *, dataset: str | None = None, start: float | None = None,
             end: float | None = None, correct: frozenset[int] | None = None,
             filters_dir: Path = FILTERS_DIR, progress: bool | None = None,
             time_limit: float = 10.0, keep_matches: bool = False) -> Backtest:
    source = connect(db, readonly=True)  # the database first: a bad DB path is named before the filter
    path = Path(filters_dir) / f"{name}.sql"
    if not re.fullmatch(r"[A-Za-z0-9_]+", name) or not path.is_file():
        have = ", ".join(sorted(p.stem for p in Path(filters_dir).glob("*.sql"))) or "(none)"
        raise UserError(f"no filter {name!r}: choose one of {have} (files in {filters_dir})")
    try:
        spec = parse(path)
    except FilterError as exc:
        raise UserError(str(exc)) from None
    result = Backtest(name, correct=correct if correct is not None else spec.correct,
                      every=[] if keep_matches else None)
    run = None
    if _USES_MODEL.search(spec.sql):
        from minibroker.model.predict import resolve_run
        run = resolve_run(source)
    if dataset is not None and dataset not in [r[0] for r in source.execute(render("queries/loader/datasets.sql"))]:
        raise UserError(f"no dataset {dataset!r} in {db}: name one with DATASET=")
    source.close()
    began = time.monotonic()
    scratch_dir = Path(tempfile.mkdtemp(prefix="minibroker-backtest-"))
    try:
        (scratch_dir / "filters").mkdir()
        shutil.copy(path, scratch_dir / "filters" / path.name)
        conn = connect(scratch_dir / "replay.db")
        conn.pragma("synchronous", "off")  # a throw-away database
        conn.execute(render("filtering/backtest/attach.sql"), {"path": str(Path(db).resolve())})
        until = (end + 1) if end is not None else 1e300
        conn.execute(render("filtering/backtest/load_phot.sql"), {"dataset": dataset, "until": until})
        if run is not None:
            with immediate(conn):
                conn.execute(render("filtering/backtest/copy_model.sql"),
                             {"trainingId": run.training_id, "runId": run.run_id})
        nights = [r[0] for r in conn.execute(render("filtering/backtest/nights.sql"), {
            "from": start if start is not None else -1e300, "to": end if end is not None else 1e300})]
        if not nights:
            raise UserError(f"no measurements between MJD {start} and {end} in {db}: widen FROM/TO")
        result.nights = nights
        engine = Engine(scratch_dir / "replay.db", filters_dir=scratch_dir / "filters", delivering=False,
                        time_limit=time_limit)
        steps = [(-1e300, nights[0], None)] + [(n, n + 1, n) for n in nights]
        show = sys.stderr.isatty() if progress is None else progress
        if show:
            from tqdm import tqdm
            steps = tqdm(steps, desc=f"backtest {name}", unit="night")
        for lo, hi, night in steps:
            touched = _advance(conn, lo, hi)
            if night is None or not touched:
                continue
            if run is not None:
                _predict(conn, run.run_id)
            summary = engine.after_batch(touched, {"id": str(night)})
            result.touched[night] = len(touched)
            result.per_night[night] = summary.matches
            if summary.failed:
                result.failures[night] = summary.failed[0].error
        _first_matches(conn, result)
        engine.close()
        conn.close()
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    result.seconds = time.monotonic() - began
    return result


def _advance(conn, lo: float, hi: float) -> list[int]:
    """Add the measurements of [lo, hi) to the replay; re-pack and recompute the touched objects."""
    params = {"lo": lo, "hi": hi}
    touched = [r[0] for r in conn.execute(render("filtering/backtest/touched.sql"), params)]
    if not touched:
        return []
    with immediate(conn):
        conn.execute(render("filtering/backtest/night_objects.sql"), params)
        conn.execute(render("filtering/backtest/night_phot.sql"), params)
        conn.execute(render("filtering/backtest/clear_touched.sql"), {"ids": json.dumps(touched)})
        conn.executemany(render("queries/loader/insert_bands.sql"), _pack(conn, touched))
    compute(conn, jobs=1, progress=False)
    return touched


def _first_matches(conn, result: Backtest) -> None:
    first_det = dict(conn.execute(render("filtering/backtest/first_detections.sql"), {"snr": SNR_DETECTION}))
    for obj, obj_name, night, label, payload in conn.execute(render("filtering/backtest/matches.sql")):
        if result.every is not None:
            result.every.append((night, obj, json.loads(payload)))
        if obj in result.first:
            continue
        t_det = first_det.get(obj)
        result.first[obj] = {"objId": obj, "name": obj_name, "night": night, "label": label,
                             "lag": None if t_det is None else float(night - np.floor(t_det)),
                             "payload": payload}


def table(result: Backtest) -> str:
    lines = [f"backtest {result.filter}: {len(result.nights)} nights, {result.matches} matches, "
             f"{len(result.first)} objects matched, {result.seconds:.1f} s"]
    p = result.precision()
    if p is not None:
        right, labelled = p
        frac = f"{right / labelled:.1%}" if labelled else "n/a"
        lines.append(f"precision against labels {sorted(result.correct)}: {right} of {labelled} labelled "
                     f"objects right ({frac})")
    lags = result.lags()
    if lags:
        lines.append(f"nights from first detection (SNR >= {SNR_DETECTION:g}) to first match: median "
                     f"{np.median(lags):g}, 10%-90% {np.percentile(lags, 10):g}-{np.percentile(lags, 90):g}")
    if result.failures:
        night, error = next(iter(result.failures.items()))
        lines.append(f"the filter failed on {len(result.failures)} nights, first on {night}: {error}")
    lines.append(f"{'night':>7} {'measured':>8} {'matches':>7} {'objects so far':>14}")
    seen = 0
    firsts = {}
    for m in result.first.values():
        firsts[m["night"]] = firsts.get(m["night"], 0) + 1
    for night in result.nights:
        seen += firsts.get(night, 0)
        if result.per_night.get(night):
            lines.append(f"{night:>7} {result.touched.get(night, 0):>8} {result.per_night[night]:>7} {seen:>14}")
    lines.append(f"{'object':<14} {'first match':>11} {'label':>5} {'nights after 1st det.':>21}")
    for m in sorted(result.first.values(), key=lambda m: (m["night"], m["name"])):
        lag = "" if m["lag"] is None else f"{m['lag']:g}"
        label = "" if m["label"] is None else str(m["label"])
        lines.append(f"{m['name']:<14} {m['night']:>11} {label:>5} {lag:>21}")
    return "\n".join(lines)


def plot(result: Backtest, out: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nights = np.array(result.nights)
    counts = np.array([result.per_night.get(n, 0) for n in nights])
    fig, (a, b) = plt.subplots(2, 1, figsize=(9, 6), sharex=False)
    a.bar(nights, counts, width=1.0, color="#CE5A57")
    a.set_xlabel("night (MJD)")
    a.set_ylabel("matches")
    a.set_title(f"backtest {result.filter}: matches per night")
    lags = result.lags()
    if lags:
        b.hist(lags, bins=min(30, max(5, len(set(lags)))), color="#78A5A3")
    b.set_xlabel("nights from first detection to first match")
    b.set_ylabel("objects")
    p = result.precision()
    if p and p[1]:
        b.set_title(f"precision {p[0]}/{p[1]} = {p[0] / p[1]:.1%}")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
