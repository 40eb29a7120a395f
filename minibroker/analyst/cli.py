"""``minibroker sql``: read-only SQL, saved selections, or the restricted shell."""

from minibroker.core.commands import Command
from minibroker.core.errors import UserError


def arguments(parser) -> None:
    parser.add_argument("query", nargs="?", help="the SQL to run; its result prints as a table")
    parser.add_argument("--timeout", type=float, default=None, help="interrupt a statement after this many seconds")
    parser.add_argument("--filter", metavar="NAME", help="run the saved selection sql/filters/NAME.sql")
    parser.add_argument("--param", action="append", metavar="KEY=VALUE",
                        help="bind :KEY in the query or filter (repeatable; numbers bind as numbers)")


def run(args) -> int:
    from minibroker.analyst.sql import parse_params, run_filter, run_query, shell

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


COMMANDS = [
    Command("sql", "run read-only SQL (with MiniBroker's functions); no query opens a shell", run, arguments,
            examples=("minibroker sql --db t.db \"select count(*) from rawPhot\"",)),
]
