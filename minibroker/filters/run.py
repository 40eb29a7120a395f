"""Stream filters after each batch: ``run_after_batch(db_path, touched_objids, batch)``.

The stream calls it once a batch is committed. It
1. matches the batch's alert positions against every watchlist (writer, ``watchlistHits``);
2. fills the temp tables ``batchObjects`` (every touched object) and ``batchAlerts`` on a read-only
   connection, then runs every stream filter there with the analyst authorizer and a time limit
   per filter (10 s, as Lasair);
3. stores new matches in ``filterMatches`` and their pending deliveries, one ``begin immediate``
   transaction on the writer connection;
4. delivers what is pending (this batch's and earlier failures) within a bounded time.
A filter that is invalid, errors or times out is recorded in ``filterRuns`` and in the summary;
the others run on. Filter files are re-read when they change.

``batch`` is a dict: ``id`` (text naming the batch) and optionally ``alerts``, a list of dicts with
``diaSourceId``, ``objId``, ``ra``, ``dec``, ``mjd``, ``band`` (the decoded alerts; other keys are
carried into Kafka deliveries). Positions come from there, not from any table: objects loaded
from files have none, so they simply never hit a watchlist.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import apsw
import orjson

from minibroker.analyst.limits import Watchdog
from minibroker.analyst.sql import FILTERS_DIR, authorizer, open_readonly
from minibroker.core.db import immediate
from minibroker.database import connect
from minibroker.core.clock import utc_now
from minibroker.core.sqlfiles import render
from minibroker.filters import deliver, watchlist
from minibroker.filters.spec import FilterDir, FilterError, FilterSpec, validate

TIME_LIMIT = 10.0          # seconds per filter per batch
DELIVERY_BUDGET = 5.0      # seconds of delivery per batch at most


@dataclass
class FilterResult:
    name: str
    status: str            # ok | error | timeout | invalid
    error: str | None
    matches: int
    seconds: float


@dataclass
class FilterSummary:
    batch: str
    objects: int
    results: list[FilterResult] = field(default_factory=list)
    watchlist_hits: int = 0
    delivery: deliver.DeliveryReport | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[FilterResult]:
        return [r for r in self.results if r.status != "ok"]

    @property
    def matches(self) -> int:
        return sum(r.matches for r in self.results)

    def line(self) -> str:
        ok = [r for r in self.results if r.status == "ok"]
        text = (f"filters {self.batch}: {len(ok)} of {len(self.results)} ran on {self.objects} objects, "
                f"{self.matches} new matches")
        per = ", ".join(f"{r.name} {r.matches}" for r in ok if r.matches)
        if per:
            text += f" ({per})"
        text += f", {self.watchlist_hits} watchlist hits"
        if self.delivery is not None:
            text += f", {self.delivery.line()}"
        text += f", {self.seconds:.2f} s"
        for r in self.failed:
            text += f"; FAILED {r.status}: {r.error}"
        return text


def _jsonable(value):
    return value.hex() if isinstance(value, (bytes, bytearray, memoryview)) else value


class Engine:
    """Connections and the filter directory kept between batches (one per database)."""

    def __init__(self, db_path: str | Path, *, filters_dir: Path = FILTERS_DIR, deliveries_dir: Path | None = None,
                 time_limit: float = TIME_LIMIT, delivery_budget: float = DELIVERY_BUDGET,
                 kafka_bootstrap: str | None = None, delivering: bool = True):
        self.db_path = Path(db_path)
        self.filters = FilterDir(filters_dir)
        self.deliveries_dir = Path(deliveries_dir) if deliveries_dir else self.db_path.parent / "deliveries"
        self.time_limit = time_limit
        self.delivery_budget = delivery_budget
        self.kafka_bootstrap = kafka_bootstrap
        self.delivering = delivering  # False: matches only (backtests)
        self.writer = connect(self.db_path)
        self.reader = open_readonly(self.db_path, time_limit)

    def close(self) -> None:
        self.reader.close()
        self.writer.close()

    # -- the batch's temp tables -------------------------------------------------------------------
    def _fill_batch(self, touched: list[int], alerts: list[dict]) -> None:
        conn = self.reader
        conn.authorizer = None  # only this code writes the temp tables; filters run with the authorizer
        try:
            self._fill_tables(conn, touched, alerts)
        finally:
            conn.authorizer = authorizer

    def _fill_tables(self, conn, touched: list[int], alerts: list[dict]) -> None:
        newest: dict[int, dict] = {}
        for a in alerts:
            if a.get("objId") is not None and (a["objId"] not in newest or
                                                (a.get("mjd") or 0) >= (newest[a["objId"]].get("mjd") or 0)):
                newest[a["objId"]] = a
        with conn:
            conn.execute(render("filtering/batch_tables.sql"))
            conn.executemany(render("filtering/insert_batch_alert.sql"), (
                {"diaSourceId": int(a["diaSourceId"]), "objId": a.get("objId"), "ra": a.get("ra"),
                 "dec": a.get("dec"), "mjd": a.get("mjd"), "band": a.get("band")} for a in alerts))
            rows = []
            for obj in dict.fromkeys(int(o) for o in touched):
                a = newest.get(obj, {})
                dia = a.get("diaSourceId")
                rows.append({"objId": obj, "diaSourceId": dia, "alertKey": f"dia:{int(dia)}" if dia is not None else None,
                             "ra": a.get("ra"), "dec": a.get("dec"), "mjd": a.get("mjd")})
            conn.executemany(render("filtering/insert_batch_object.sql"), rows)
            conn.execute(render("filtering/fill_phot_keys.sql"))

    # -- one filter ---------------------------------------------------------------------------------
    def _run_one(self, spec: FilterSpec) -> tuple[FilterResult, list[dict]]:
        start = time.monotonic()
        conn = self.reader
        try:
            validate(conn, spec)
            with Watchdog(conn, self.time_limit) as dog:  # the analyst's limit: holds whatever one step costs
                try:
                    cur = conn.execute(spec.sql, spec.params)
                    try:
                        names = [d[0] for d in cur.getdescription()]
                    except apsw.ExecutionCompleteError:  # no rows
                        names = []
                    rows = cur.fetchall()
                except apsw.InterruptError:
                    if dog.signalled:  # Ctrl-C, not the time limit: stop the stream
                        raise KeyboardInterrupt from None
                    raise
        except FilterError as exc:
            return FilterResult(spec.name, "invalid", str(exc), 0, time.monotonic() - start), []
        except apsw.InterruptError:
            return FilterResult(spec.name, "timeout", f"{spec.path.name}: interrupted after the {self.time_limit:g} s "
                                "time limit: make the query cheaper", 0, time.monotonic() - start), []
        except apsw.Error as exc:
            msg = " ".join(str(exc).split())
            return FilterResult(spec.name, "error", f"{spec.path.name}: {type(exc).__name__}: {msg}", 0,
                                time.monotonic() - start), []
        return FilterResult(spec.name, "ok", None, 0, time.monotonic() - start), [
            {k: _jsonable(v) for k, v in zip(names, row)} for row in rows]

    def _batch_keys(self) -> dict[int, tuple[str, int | None]]:
        self.reader.authorizer = None
        try:
            return {o: (k, d) for o, k, d in self.reader.execute(render("filtering/batch_keys.sql"))}
        finally:
            self.reader.authorizer = authorizer

    # -- the whole batch ----------------------------------------------------------------------------
    def after_batch(self, touched: list[int], batch: dict) -> FilterSummary:
        """Run the batch (first any batch the stream queued whose filters never ran, e.g. after a
        kill between the two commits); the summary is this batch's."""
        for old, old_touched, old_alerts in self.writer.execute(
                render("filtering/queued_batches.sql"), {"current": str(batch.get("id") or "")}).fetchall():
            self._after_batch(orjson.loads(old_touched), {"id": old, "alerts": orjson.loads(old_alerts)})
        return self._after_batch(touched, batch)

    def _after_batch(self, touched: list[int], batch: dict) -> FilterSummary:
        start = time.monotonic()
        batch_id = str(batch.get("id") or utc_now())
        alerts = list(batch.get("alerts") or [])
        summary = FilterSummary(batch_id, len(set(touched)))
        summary.watchlist_hits = watchlist.match_alerts(self.writer, alerts, batch_id)
        self._fill_batch(touched, alerts)
        keys = self._batch_keys()
        found = []
        for item in self.filters.scan():
            if isinstance(item, FilterError):
                name = str(item).split(".sql", 1)[0]
                summary.results.append(FilterResult(name, "invalid", str(item), 0, 0.0))
                found.append((None, summary.results[-1], []))
                continue
            result, rows = self._run_one(item)
            summary.results.append(result)
            found.append((item, result, rows))
        now = utc_now()
        with immediate(self.writer):
            for spec, result, rows in found:
                for row in rows:
                    obj = row.get("objId")
                    if obj not in keys:
                        continue  # filters see the touched objects only
                    key, dia = keys[obj]
                    if row.get("diaSourceId") is not None:
                        dia = int(row["diaSourceId"])
                        key = f"dia:{dia}"
                    self.writer.execute(render("filtering/insert_match.sql"), {
                        "filter": spec.name, "objId": int(obj), "alertKey": key, "diaSourceId": dia,
                        "batch": batch_id, "matchedAt": now, "payload": orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY).decode()})
                    if self.writer.changes():
                        result.matches += 1
                        match_id = self.writer.last_insert_rowid()
                        for sink in (spec.sinks if self.delivering else ()):
                            self.writer.execute(render("filtering/insert_delivery.sql"), {
                                "matchId": match_id, "sink": sink.kind,
                                "target": deliver.default_target(sink, spec.name, self.deliveries_dir),
                                "createdAt": now})
                self.writer.execute(render("filtering/insert_run.sql"), {
                    "batch": batch_id, "filter": result.name, "fileHash": spec.sha256 if spec else None,
                    "status": result.status, "error": result.error, "nMatches": result.matches,
                    "seconds": result.seconds, "ranAt": now})
            self.writer.execute(render("filtering/dequeue_batch.sql"), {"batch": batch_id})
        if self.delivering:
            summary.delivery = deliver.deliver_pending(self.writer, budget=self.delivery_budget,
                                                       kafka_bootstrap=self.kafka_bootstrap, alerts=alerts)
        summary.seconds = time.monotonic() - start
        return summary


_ENGINES: dict[Path, Engine] = {}


def engine(db_path: str | Path, **options) -> Engine:
    """The cached Engine of this database (made on first use with ``options``; the environment's
    MINIBROKER_FILTERS and MINIBROKER_DELIVERIES name another filter or delivery directory)."""
    key = Path(db_path).resolve()
    if key not in _ENGINES:
        if os.environ.get("MINIBROKER_FILTERS"):
            options.setdefault("filters_dir", Path(os.environ["MINIBROKER_FILTERS"]))
        if os.environ.get("MINIBROKER_DELIVERIES"):
            options.setdefault("deliveries_dir", Path(os.environ["MINIBROKER_DELIVERIES"]))
        _ENGINES[key] = Engine(db_path, **options)
    return _ENGINES[key]


def queue_batch(conn, touched: list[int], batch: dict, now: str) -> None:
    """In the stream's batch transaction: note that the filters must still run on this batch."""
    conn.execute(render("filtering/queue_batch.sql"), {
        "batch": str(batch["id"]), "touched": orjson.dumps(sorted(set(touched))).decode(),
        "alerts": orjson.dumps(batch.get("alerts") or []).decode(), "queuedAt": now})


def run_after_batch(db_path: str | Path, touched_objids: list[int], batch: dict) -> FilterSummary:
    """Watchlists, every stream filter and delivery for one committed batch (see the module doc)."""
    return engine(db_path).after_batch(touched_objids, batch)
