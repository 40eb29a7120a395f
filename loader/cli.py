"""``minibroker load`` and ``minibroker labels``: light-curve files and label CSVs into the database."""

import os
import sys
from pathlib import Path

from minibroker.core import datasets
from minibroker.core.commands import Command
from minibroker.core.errors import UserError, one_line


def load_arguments(parser) -> None:
    parser.add_argument("data", help="directory of light-curve files (t pb flux dflux tables)")
    parser.add_argument("--pattern", default="*", help="file name pattern inside the directory (default: *)")


def load(args) -> int:
    from minibroker.database import connect
    from minibroker.loader.load import list_files, load_files

    data = Path(args.data)
    if not data.is_dir():
        raise UserError(f"no directory at {data}: give DATA=dir holding light-curve files")
    dataset = args.dataset or dataset_name(args.data)
    try:
        paths = list_files(data, args.pattern)
    except OSError as exc:
        raise UserError(f"cannot read the directory {one_line(data)}: {exc.strerror or exc}: "
                        "check its permissions") from None
    if not paths:
        raise UserError(f"{data} holds no files matching {args.pattern!r}: check DATA=")
    conn = connect(args.db)
    report = load_files(conn, paths, dataset, jobs=args.jobs - 1)  # this process writes, the others parse
    for path, reason in report.failures:
        print(f"{one_line(path)}: {one_line(reason)}", file=sys.stderr)
    print(f"load {dataset} -> {args.db}: {report.summary()}")
    return 1 if report.failed else 0


def dataset_name(data: str) -> str:
    """The directory's own name (``DATA=runs/night 1/`` -> ``night 1``; a symlink keeps its own name;
    ``.`` and ``..`` resolve lexically), as text even if it is not UTF-8."""
    from minibroker.loader.parse import name_text

    name = os.path.basename(os.path.normpath(os.path.abspath(data)))
    if not name:
        raise UserError(f"{data} has no name to call the dataset by: give DATASET=name")
    return name_text(name)


def labels_arguments(parser) -> None:
    parser.add_argument("labels", help="CSV file with a name,label header")


def labels(args) -> int:
    from minibroker.database import connect
    from minibroker.loader.labels import load_labels

    conn = connect(args.db)
    dataset = args.dataset or datasets.only(conn, args.db)
    report = load_labels(conn, args.labels, dataset)
    for line, reason in report.bad:
        print(f"{one_line(args.labels)}:{line}: {one_line(reason)}", file=sys.stderr)
    if report.unknown:
        shown = ", ".join(one_line(n) for n in report.unknown[:5]) + (" ..." if len(report.unknown) > 5 else "")
        print(f"{args.labels}: {len(report.unknown)} names have no object in dataset {dataset!r}: {shown}",
              file=sys.stderr)
    print(f"labels {dataset}: {report.labelled} objects labelled from {args.labels}")
    return 1 if (report.bad or report.unknown) else 0


COMMANDS = [
    Command("load", "load a directory of light-curve files into the database", load, load_arguments,
            options=("db", "dataset", "jobs"), dataset_default="the directory's name", creates_db=True,
            examples=("minibroker load --db t.db ../shared/data/training_set_for_LSST_DSFP",)),
    Command("labels", "load a name,label CSV into lcLabels for one dataset", labels, labels_arguments,
            options=("db", "dataset"), dataset_default="the only one"),
]
