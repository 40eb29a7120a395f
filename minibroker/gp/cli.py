"""``minibroker gp``: GP-interpolate the object-bands that need it (``make gp``)."""

from minibroker.core import datasets
from minibroker.core.commands import Command
from minibroker.core.errors import UserError


def add_arguments(parser) -> None:
    parser.add_argument("--grid", type=int, default=200, help="grid points per band (default: 200)")


def run(args) -> int:
    from pathlib import Path

    from minibroker.database import connect
    from minibroker.gp.store import compute

    if args.grid < 2:
        raise UserError(f"--grid {args.grid} is too small: give at least 2 grid points")
    if not Path(args.db).is_file():
        raise UserError(f"no database at {args.db}: load data first (make load DATA=dir DB={args.db})")
    conn = connect(args.db)
    datasets.require(conn, args.dataset, args.db)
    r = compute(conn, args.dataset, n_grid=args.grid, jobs=args.jobs)
    rate = r.curves / r.fit_seconds if r.fit_seconds > 0 else 0
    print(f"gp -> {args.db}: {r.objects} objects, {r.curves} object-bands ({r.fitted} fitted, "
          f"{r.curves - r.fitted} with < 3 points, {r.not_converged} not converged, "
          f"{r.flagged} not to trust: {r.at_bound} at a bound, {r.bad_fit} reduced chi2 > 5) "
          f"in {r.seconds:.2f} s (fits {rate:,.0f} object-bands/s)")
    return 0


COMMANDS = [
    Command("gp", "Gaussian-process interpolation of each object-band into lcGP, with GP features in lcGPFeats",
            run, add_arguments, options=("db", "dataset", "jobs")),
]
