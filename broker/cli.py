"""``minibroker``: the command line, a thin layer over the library; the Makefile calls it.

Every command has --help. User errors print one line (what is wrong, what to do) and exit 1;
--debug shows the traceback instead.
"""

import argparse
import os
import sys
from pathlib import Path

from broker import datasets, default_jobs
from broker.errors import UserError


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
    dataset = args.dataset or datasets.only(conn, args.db)
    report = load_labels(conn, args.labels, dataset)
    for line, reason in report.bad:
        print(f"{args.labels}:{line}: {reason}", file=sys.stderr)
    if report.unknown:
        shown = ", ".join(report.unknown[:5]) + (" ..." if len(report.unknown) > 5 else "")
        print(f"{args.labels}: {len(report.unknown)} names have no object in dataset {dataset!r}: {shown}",
              file=sys.stderr)
    print(f"labels {dataset}: {report.labelled} objects labelled from {args.labels}")
    return 1 if (report.bad or report.unknown) else 0


def cmd_features(args) -> int:
    from broker.db import connect
    from broker.features import compute

    conn = connect(args.db)
    datasets.require(conn, args.dataset, args.db)
    run = compute(conn, args.dataset, jobs=args.jobs)
    rate = run.objects / run.seconds if run.seconds > 0 else 0
    print(f"features -> {args.db}: {run.objects} objects computed in {run.seconds:.2f} s ({rate:,.0f} objects/s)")
    return 0


def cmd_sql(args) -> int:
    from broker.analyst import parse_params, run_filter, run_query, shell

    params = parse_params(args.param)
    if args.filter and args.query:
        raise UserError("give either a query or --filter NAME, not both")
    if args.filter:
        print(run_filter(args.db, args.filter, params, timeout=args.timeout), end="")
    elif args.query:
        print(run_query(args.db, args.query, params=params, timeout=args.timeout), end="")
    else:
        shell(args.db, args.timeout)
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
    sp.add_argument("--jobs", type=int, default=default_jobs(), help="parser processes beside the writer (default: cores; 0 parses in this process)")

    sp = command("labels", cmd_labels, "load a name,label CSV into lcLabels for one dataset")
    db_arg(sp)
    sp.add_argument("labels", help="CSV file with a name,label header")
    sp.add_argument("--dataset", help="dataset the names belong to (default: the only one)")

    sp = command("features", cmd_features, "compute lcFeats inside SQLite for objects that need them")
    db_arg(sp)
    sp.add_argument("--dataset", help="only this dataset (default: all)")
    sp.add_argument("--jobs", type=int, default=default_jobs(),
                    help="processes computing, this one (which also writes) included (default: cores; 1: no workers)")

    sp = command("sql", cmd_sql, "run read-only SQL (with MiniBroker's functions); no query opens a shell")
    db_arg(sp)
    sp.add_argument("query", nargs="?", help="the SQL to run; its result prints as a table")
    sp.add_argument("--timeout", type=float, default=None, help="interrupt a statement after this many seconds")
    sp.add_argument("--filter", metavar="NAME", help="run the saved selection sql/filters/NAME.sql")
    sp.add_argument("--param", action="append", metavar="KEY=VALUE",
                    help="bind :KEY in the query or filter (repeatable; numbers bind as numbers)")

    for name, module, help in EXTRA_COMMANDS:
        sp = sub.add_parser(name, help=help, description=help)
        mod = __import__(module, fromlist=["add_arguments", "run"])
        mod.add_arguments(sp)
        sp.set_defaults(func=mod.run)
    return p


# commands that live with their own package: (name, module with add_arguments/run, help)
EXTRA_COMMANDS: list[tuple[str, str, str]] = [
    ("demo", "broker.demo", "the whole job on simulated data: simulate, load, features, train, predict, anomalies, GP, report"),
    ("simulate", "sim.cli", "write simulated LSST-like light curves (one file per object, or nightly batches)"),
    ("train", "model.cli_train", "cross-validate models on labelled features, store them, mark the chosen one"),
    ("predict", "model.cli_predict", "predict classes for a dataset with the chosen (or a given) model"),
    ("anomalies", "model.cli_anomalies", "rank a dataset's objects by IsolationForest anomaly score"),
    ("gp", "gp.cli", "Gaussian-process interpolation of each object-band into lcGP, with GP features in lcGPFeats"),
    ("plot", "report.cli_plot", "plot one object's multiband light curve (optionally with its GP) as a PNG"),
    ("report", "report.cli_report", "write a static HTML report: anomaly gallery, confusion matrix, feature plots, tables"),
    ("export", "sparkjobs.cli_export", "write the database's tables as Parquet (partitioned by dataset) with a manifest, for Spark"),
    ("import-features", "sparkjobs.cli_import", "store features computed on Spark back in the database, where the input file is unchanged"),
    ("spark", "sparkjobs.cli_spark", "features, saved filters and SQL on Apache Spark over an export (SPARK_MASTER=local[2] or a cluster)"),
]


# commands that may create the database named by --db; every other command needs it to exist
CREATES_DB = frozenset({"load"})


def _require_db(args) -> None:
    db = getattr(args, "db", None)
    if db is None or args.command in CREATES_DB:
        return
    path = Path(db)
    if path.is_dir():
        raise UserError(f"{db} is a directory, not a database file: give DB=path/to/file.db")
    if not path.exists():
        raise UserError(f"no database at {db}: load data first (make load DATA=dir DB={db}) or check DB=")


def _known_failure(exc: BaseException, db) -> str | None:
    """A one-line explanation (with what to do) for failures that are not bugs, else None."""
    import apsw

    where = db or "the database"
    if isinstance(exc, apsw.BusyError):
        return (f"{where} stayed locked by another writer (make load/features/train …) beyond the busy "
                "timeout: wait for it to finish, then run this again")
    if isinstance(exc, apsw.ReadOnlyError):
        return f"{where} cannot be written (read-only file or directory): check its permissions"
    if isinstance(exc, apsw.FullError):
        return f"the disk holding {where} is full: free space, then run this again (completed files are kept)"
    if isinstance(exc, (apsw.CorruptError, apsw.NotADBError)):
        return f"{where} is damaged ({exc}): restore it from a copy or reload the data into a new DB"
    if isinstance(exc, apsw.CantOpenError):
        return f"cannot open {where}: check the path and its permissions"
    return None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: list[str] | None = None) -> int:
    """Run one command. Failures print one line on stderr (no traceback unless --debug): user
    errors exit 1, unexpected ones exit 2, Ctrl-C exits 130."""
    raw = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser()
    except Exception as exc:  # a command module that does not import: say so in one line
        if "--debug" in raw:
            raise
        print(f"minibroker: internal error: {_one_line(f'{type(exc).__name__}: {exc}')}; "
              "rerun with --debug for the traceback", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    name = f"minibroker {args.command}"
    try:
        _require_db(args)
        return args.func(args)
    except UserError as exc:
        if args.debug:
            raise
        print(f"{name}: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head, less …: not an error worth a message
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if args.debug:
            raise
        known = _known_failure(exc, getattr(args, "db", None))
        if known:
            print(f"{name}: {known}", file=sys.stderr)
            return 1
        print(f"{name}: internal error: {_one_line(f'{type(exc).__name__}: {exc}')}; "
              "rerun with --debug for the traceback", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
