"""``minibroker watchlist``: load (or replace) a named watchlist from a name,ra,dec,radius CSV."""

import argparse



def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="the watchlist's name (replaces a watchlist of that name)")
    p.add_argument("csv", help="CSV with a name,ra,dec,radius header (degrees; radius in arcsec, at most 3600)")


def run(args) -> int:
    from minibroker.database import connect

    from minibroker.filters.watchlist import load

    conn = connect(args.db)
    n = load(conn, args.name, args.csv)
    print(f"watchlist {args.name} -> {args.db}: {n} sources from {args.csv}; every alert of later batches is matched")
    return 0
