"""``minibroker backtest``: replay a stream filter night by night over the database, as of each night."""

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--filter", required=True, metavar="NAME", help="the filter sql/filters/NAME.sql")
    p.add_argument("--from", dest="start", type=float, help="first night to report (MJD; earlier data is history)")
    p.add_argument("--to", dest="end", type=float, help="last night (MJD; later data is never read)")
    p.add_argument("--correct", help="labels counted as right, e.g. 0,1 (default: the filter's '-- correct:' line)")
    p.add_argument("--plot", help="PNG to write (default: backtest_NAME.png beside DB)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds the filter may run per night (default: 10)")


def run(args) -> int:
    from minibroker.core.errors import UserError
    from minibroker.filters.backtest import backtest, plot, table

    correct = None
    if args.correct:
        try:
            correct = frozenset(int(v) for v in args.correct.split(","))
        except ValueError:
            raise UserError(f"--correct {args.correct!r}: give integer labels, e.g. --correct 0,1") from None
    if args.start is not None and args.end is not None and args.end < args.start:
        raise UserError(f"--to {args.end:g} is before --from {args.start:g}: swap them")
    result = backtest(args.db, args.filter, dataset=args.dataset, start=args.start, end=args.end,
                      correct=correct, time_limit=args.timeout)
    print(table(result))
    out = Path(args.plot) if args.plot else Path(args.db).resolve().parent / f"backtest_{args.filter}.png"
    plot(result, out)
    print(f"plot: {out}")
    return 0
