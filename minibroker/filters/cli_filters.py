"""``minibroker filters``: run every stream filter once over the objects of the database (or a
dataset) as one batch, store new matches and deliver them: the stream's per-batch step, by hand."""

import argparse

from minibroker.core import datasets
from minibroker.core.sqlfiles import render


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=float, default=10.0, help="seconds each filter may run (default: 10)")
    p.add_argument("--deliveries", help="directory for JSON-lines files and digests (default: deliveries/ beside DB)")


def run(args) -> int:
    from minibroker.database import connect

    from minibroker.filters.run import Engine
    from minibroker.filters.spec import FilterDir

    conn = connect(args.db)
    datasets.require(conn, args.dataset, args.db)
    ids = [r[0] for r in conn.execute(render("filtering/object_ids.sql"), {"dataset": args.dataset})]
    conn.close()
    engine = Engine(args.db, time_limit=args.timeout, deliveries_dir=args.deliveries)
    summary = engine.after_batch(ids, {"id": "manual"})
    print(summary.line())
    engine.close()
    return 1 if summary.failed else 0
