"""``minibroker sql``: read-only SQL, saved selections, or the restricted shell."""

from minibroker.core.commands import Command
from minibroker.core.errors import UserError


def arguments(parser) -> None:
    parser.add_argument("query", nargs="?", help="the SQL to run; its result prints as a table")
    parser.add_argument("--timeout", type=float, default=None, help="interrupt a statement after this many seconds")
    parser.add_argument("--filter", metavar="NAME", help="run the saved selection sql/filters/NAME.sql")
    parser.add_argument("--param", action="append", metavar="KEY=VALUE",
                        help="bind :KEY in the query or filter (repeatable; numbers bind as numbers)")
    parser.add_argument("--params", metavar="'K=V K2=\"V 2\"'",
                        help="several KEY=VALUE pairs in one argument, split like a shell line (make's PARAMS=)")
    parser.add_argument("--format", choices=("table", "csv", "tsv"), default="table",
                        help="table (at most 10,000 rows) or csv/tsv (streamed, any number of rows)")
    parser.add_argument("--memory", type=int, default=None, metavar="MB",
                        help="memory budget of the query in MiB (default 2048)")


def run(args) -> int:
    import sys

    from minibroker.analyst.sql import (check_timeout, limit_memory, parse_params, run_filter, run_query,
                                        split_params, typed)

    params = parse_params([*(args.param or []), *split_params(args.params)])
    check_timeout(args.timeout)
    if args.filter and args.query:
        raise UserError("give either a query or --filter NAME, not both")
    limit_memory(args.memory)
    if args.filter:
        run_filter(args.db, args.filter, params, timeout=args.timeout, out=sys.stdout, fmt=args.format)
    elif args.query:
        run_query(args.db, args.query, params={k: typed(v, k) for k, v in params.items()}, timeout=args.timeout,
                  out=sys.stdout, fmt=args.format)
    else:
        from minibroker.analyst.shell import shell

        shell(args.db, args.timeout)
    return 0


COMMANDS = [
    Command("sql", "run read-only SQL (with MiniBroker's functions); no query opens a shell", run, arguments,
            examples=("minibroker sql --db t.db \"select count(*) from rawPhot\"",)),
]
