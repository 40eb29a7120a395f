"""``minibroker report``: figures and an index page in one folder (``make report``)."""

from pathlib import Path

from minibroker.core import datasets
from minibroker.core.errors import UserError


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="out/report", help="output folder (default: out/report)")
    parser.add_argument("--top", type=int, default=9, help="anomalies in the gallery (default: 9)")


def open_db(db: str):
    """A connection to an existing database (brought up to date, so every view exists)."""
    from minibroker.database import connect

    if not Path(db).is_file():
        raise UserError(f"no database at {db}: load data first (make load DATA=dir DB={db})")
    return connect(db)


def run(args) -> int:
    from minibroker.report.page import build

    if args.top < 1:
        raise UserError(f"--top {args.top}: give at least 1")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file: give a folder with OUT=")
    conn = open_db(args.db)
    datasets.require(conn, args.dataset, args.db)
    r = build(conn, out, dataset=args.dataset, top=args.top, db=args.db)
    missing = f"; no data for: {', '.join(r['missing'])}" if r["missing"] else ""
    print(f"report -> {r['index']}: {len(r['figures'])} figures{missing}")
    return 0
