"""``minibroker``: the command line, a thin layer over the library; the Makefile calls it.

Every command has --help. User errors print one line (what is wrong, what to do) and exit 1;
--debug shows the traceback instead.
"""

import argparse
import os
import sys
from pathlib import Path

from broker.errors import UserError


def _default_jobs() -> int:
    return os.cpu_count() or 1


def cmd_load(args) -> int:
    from broker.db import connect
    from loader.load import list_files, load_files

    data = Path(args.data)
    if not data.is_dir():
        raise UserError(f"no directory at {data}: give DATA=dir holding light-curve files")
    dataset = args.dataset or data.resolve().name
    paths = list_files(data, args.pattern)
    if not paths:
        raise UserError(f"{data} holds no files matching {args.pattern!r}: check DATA=")
    conn = connect(args.db)
    report = load_files(conn, paths, dataset, jobs=args.jobs)
    for path, reason in report.failures:
        print(f"{path}: {reason}", file=sys.stderr)
    print(f"load {dataset} -> {args.db}: {report.summary()}")
    return 1 if report.failed else 0


def cmd_labels(args) -> int:
    from broker.db import connect
    from loader.labels import load_labels

    conn = connect(args.db)
    dataset = args.dataset or _only_dataset(conn, args.db)
    report = load_labels(conn, args.labels, dataset)
    for line, reason in report.bad:
        print(f"{args.labels}:{line}: {reason}", file=sys.stderr)
    if report.unknown:
        shown = ", ".join(report.unknown[:5]) + (" ..." if len(report.unknown) > 5 else "")
        print(f"{args.labels}: {len(report.unknown)} names have no object in dataset {dataset!r}: {shown}",
              file=sys.stderr)
    print(f"labels {dataset}: {report.labelled} objects labelled from {args.labels}")
    return 1 if (report.bad or report.unknown) else 0


def _only_dataset(conn, db) -> str:
    from broker.sqlfiles import render

    names = [r[0] for r in conn.execute(render("queries/loader/datasets.sql"))]
    if len(names) == 1:
        return names[0]
    if not names:
        raise UserError(f"{db} holds no objects yet: run make load DATA=dir DB={db} first")
    raise UserError(f"{db} holds several datasets ({', '.join(names)}): choose one with DATASET=name")


def cmd_features(args) -> int:
    from broker.db import connect
    from broker.features import compute

    conn = connect(args.db)
    run = compute(conn, args.dataset)
    rate = run.objects / run.seconds if run.seconds > 0 else 0
    print(f"features -> {args.db}: {run.objects} objects computed in {run.seconds:.2f} s ({rate:,.0f} objects/s)")
    return 0


def cmd_sql(args) -> int:
    from broker.analyst import open_readonly, run_query

    if args.query:
        print(run_query(args.db, args.query, timeout=args.timeout), end="")
        return 0
    import apsw.shell

    conn = open_readonly(args.db, args.timeout)
    shell = apsw.shell.Shell(db=conn)
    shell.cmdloop(intro=f"MiniBroker read-only SQL on {args.db} (functions registered; .help, .quit)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="minibroker", description=__doc__.splitlines()[0])
    p.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, help):
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(func=func)
        return sp

    def db_arg(sp):
        sp.add_argument("--db", default="broker.db", help="database file (default: broker.db)")

    sp = command("load", cmd_load, "load a directory of light-curve files into the database")
    db_arg(sp)
    sp.add_argument("data", help="directory of light-curve files (t pb flux dflux tables)")
    sp.add_argument("--dataset", help="dataset name (default: the directory's name)")
    sp.add_argument("--pattern", default="*", help="file name pattern inside the directory (default: *)")
    sp.add_argument("--jobs", type=int, default=_default_jobs(), help="parser processes (default: cores)")

    sp = command("labels", cmd_labels, "load a name,label CSV into lcLabels for one dataset")
    db_arg(sp)
    sp.add_argument("labels", help="CSV file with a name,label header")
    sp.add_argument("--dataset", help="dataset the names belong to (default: the only one)")

    sp = command("features", cmd_features, "compute lcFeats inside SQLite for objects that need them")
    db_arg(sp)
    sp.add_argument("--dataset", help="only this dataset (default: all)")

    sp = command("sql", cmd_sql, "run read-only SQL (with MiniBroker's functions); no query opens a shell")
    db_arg(sp)
    sp.add_argument("query", nargs="?", help="the SQL to run; its result prints as a table")
    sp.add_argument("--timeout", type=float, default=None, help="interrupt a statement after this many seconds")

    for name, module, help in EXTRA_COMMANDS:
        sp = sub.add_parser(name, help=help, description=help)
        mod = __import__(module, fromlist=["add_arguments", "run"])
        mod.add_arguments(sp)
        sp.set_defaults(func=mod.run)
    return p


# commands that live with their own package: (name, module with add_arguments/run, help)
EXTRA_COMMANDS: list[tuple[str, str, str]] = []


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        if args.debug:
            raise
        print(f"minibroker {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"minibroker {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
