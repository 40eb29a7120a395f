"""``minibroker stream``: ingest alert packets from a directory of Avro files or a Kafka topic."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from minibroker.core.commands import Command
from minibroker.core.errors import UserError


def add_arguments(sp) -> None:
    sp.add_argument("source", help="a directory of Avro alert files (*.avro), or kafka://host:port/topic")
    sp.add_argument("--follow", action="store_true",
                    help="keep waiting for new files or messages (stop with Ctrl-C); without it, process what "
                         "is there and exit")
    sp.add_argument("--group", default="minibroker",
                    help="Kafka consumer group (default: minibroker); positions are resumed from the database")
    sp.add_argument("--batch", type=int, default=10_000,
                    help="Kafka: at most this many messages per batch (default: 10000)")
    sp.add_argument("--batch-seconds", type=float, default=2.0,
                    help="Kafka: a batch closes after this many seconds of waiting (default: 2)")
    sp.add_argument("--no-filters", action="store_true",
                    help="do not run the stream filters, watchlists and deliveries after each batch")
    sp.add_argument("--idle-seconds", type=float, default=10.0,
                    help="Kafka without --follow: stop after this many seconds with no message (default: 10)")


def run(args) -> int:
    from minibroker.database import connect
    from minibroker.stream.classify import Classifier
    from minibroker.stream.store import Position, store_batch

    if args.db and Path(args.db).is_dir():
        raise UserError(f"{args.db} is a directory, not a database file: give DB=path/to/file.db")
    # an existing database is checked first; a new one is created only once the source is known good
    conn = connect(args.db) if Path(args.db).exists() else None
    source = args.source
    kafka = source.startswith("kafka://")
    if not kafka:
        directory = Path(source)
        if not directory.is_dir():
            raise UserError(f"no directory at {source}: give SOURCE=a directory of *.avro alert files or "
                            "kafka://host:port/topic")
        dataset = args.dataset or directory.resolve().name
        source = str(directory.resolve())
    else:
        from minibroker.stream.kafka import parse_url

        _, topic = parse_url(source)
        dataset = args.dataset or topic
    if not kafka:
        conn = conn or connect(args.db)
    from minibroker.stream import store
    store.QUEUE_FILTERS = not args.no_filters
    classifier = Classifier()
    stopping = []
    if args.follow:
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    totals = [0, 0]
    failed_files = 0
    noted = None

    from tqdm import tqdm

    total = None
    if not kafka and not args.follow:
        from minibroker.stream.directory import pending_files

        total = len(pending_files(conn, source, dataset))
    bar = tqdm(total=total, unit="batch", desc=f"stream {dataset}", disable=not sys.stderr.isatty())

    def say(line):
        if bar.disable:
            print(line, flush=True)
        else:
            bar.write(line)

    def handle(report):
        nonlocal noted, failed_files
        bar.update(1)
        say(f"stream {dataset}: {report.line()}")
        if report.error:
            failed_files += 1
            print(f"minibroker stream: {report.name}: {report.error}", file=sys.stderr, flush=True)
        if classifier.note and classifier.note != noted:
            noted = classifier.note
            print(f"minibroker stream: {noted}", file=sys.stderr, flush=True)
        totals[0] += report.alerts
        totals[1] += report.failed
        after_batch(report)

    def after_batch(report):
        """Watchlists, stream filters and delivery on the committed batch (filters/run.py)."""
        if args.no_filters or not (report.touched or report.new_alerts):
            return
        from minibroker.filters.run import run_after_batch

        touched = sorted(set(report.touched) | {a["objId"] for a in report.new_alerts})
        try:
            summary = run_after_batch(args.db, touched, {"id": report.name, "alerts": report.new_alerts})
        except Exception as exc:  # the batch is committed: a filter-side failure never stops ingestion
            print(f"minibroker stream: filters after {report.name} failed: {type(exc).__name__}: {exc}",
                  file=sys.stderr, flush=True)
            return
        say(f"stream {dataset}: {summary.line()}")

    if not kafka:
        from minibroker.stream.directory import batches

        for path, received, received_at, decoded, row in batches(conn, source, dataset, args.jobs, args.follow,
                                                                   stop=lambda: bool(stopping)):
            handle(store_batch(conn, dataset, decoded, Position(source, file=row), received, received_at,
                               classifier, name=os.path.basename(path)))
    else:
        from minibroker.stream.kafka import consume

        # a new database is made only once the broker has answered (consume calls the opener then)
        for report in consume(conn or (lambda: connect(args.db)), args.source, dataset, classifier, group=args.group, batch=args.batch,
                              batch_seconds=args.batch_seconds, follow=args.follow, idle_seconds=args.idle_seconds,
                              jobs=args.jobs, stop=lambda: bool(stopping)):
            handle(report)
    bar.close()
    print(f"stream {dataset} -> {args.db}: {totals[0]} alerts stored, {totals[1]} failed alerts, "
          f"{failed_files} failed inputs", flush=True)
    return 1 if (totals[1] or failed_files) else 0


COMMANDS = [
    Command("stream", "ingest Rubin alert packets (a directory of Avro files or a Kafka topic): store, features, "
            "classes, then filters and deliveries", run, add_arguments, options=("db", "dataset", "jobs"),
            creates_db=True, dataset_default="the directory's name or the topic",
            examples=("minibroker stream --db t.db alerts/",
                      "minibroker stream --db t.db --follow kafka://127.0.0.1:9092/alerts")),
]
