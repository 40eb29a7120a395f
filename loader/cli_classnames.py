"""``minibroker classnames``: name the integer class labels (classNames), print what is known."""

from minibroker.core.commands import Command


def add_arguments(parser) -> None:
    parser.add_argument("names", nargs="?", help="CSV file with a label,name header (optional)")
    parser.add_argument("--simulator", action="store_true",
                        help="name the labels as the simulator does (0 SNIa, 1 SNCC, 2 RRLyrae, 3 Mdwarf, 4 AGN, 5 constant)")


def run(args) -> int:
    from minibroker.database import connect
    from minibroker.core.errors import UserError
    from minibroker.core.sqlfiles import render
    from minibroker.loader import classnames

    conn = connect(args.db)
    if args.simulator:
        classnames.from_simulator(conn)
    if args.names:
        classnames.load_csv(conn, args.names)
    classnames.from_headers(conn)
    known = conn.execute(render("queries/classnames/list.sql")).fetchall()
    if not known:
        raise UserError("no class names yet: give NAMES=label,name.csv or SIM=1, or load files with #type: headers")
    for label, name, source in known:
        print(f"{label}\t{name}\t{source}")
    return 0


COMMANDS = [
    Command("classnames", "name the integer class labels from a label,name CSV or the simulator's classes; list the names",
            run, add_arguments),
]
