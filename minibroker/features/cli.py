"""``minibroker features``: compute lcFeats inside SQLite for the objects that need them."""

from minibroker.core import datasets
from minibroker.core.commands import Command


def run(args) -> int:
    from minibroker.database import connect
    from minibroker.features.pipeline import compute

    conn = connect(args.db)
    datasets.require(conn, args.dataset, args.db)
    run = compute(conn, args.dataset, jobs=args.jobs)
    rate = run.objects / run.seconds if run.seconds > 0 else 0
    print(f"features -> {args.db}: {run.objects} objects computed in {run.seconds:.2f} s ({rate:,.0f} objects/s)")
    return 0


COMMANDS = [
    Command("features", "compute lcFeats inside SQLite for objects that need them", run,
            options=("db", "dataset", "jobs")),
]
