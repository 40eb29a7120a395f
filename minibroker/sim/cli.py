"""Command-line interface of the simulator (also used by the ``minibroker`` CLI).

``add_arguments(parser)`` adds the options; ``run(args)`` executes them.
"""

from __future__ import annotations

import argparse
import sys

from minibroker.core.commands import Command
from minibroker.core.errors import UserError

from .classes import CLASSES


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the simulator options to ``parser`` (returned for chaining)."""
    names = ", ".join(f"{c.label}={c.name}" for c in CLASSES)
    parser.add_argument("--n", type=int, default=1000, help="number of light curves (default 1000)")
    parser.add_argument("--out", required=True, help="output directory (gets only .dat files)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--mix", default="balanced",
                        help="class mix: 'balanced' (default), 'realistic' (mostly constant stars, "
                             f"AGN, RR Lyrae; rare SNe) or 'NAME=W,...'. Classes: {names}")
    parser.add_argument("--prefix", default="SIM", help="object name prefix (default SIM)")
    parser.add_argument("--stream", action="store_true",
                        help="write per-night batches night_<MJD>/<NAME>.dat instead of one file "
                             "per object")
    parser.add_argument("--alerts", action="store_true",
                        help="write the survey as Rubin alert packets instead (latest lsst-alert-packet schema, "
                             "one Avro container file per night: alerts_<MJD>.avro) and the alert objects' true "
                             "classes as labels.csv (name = diaObjectId, for make labels DATASET=…)")
    parser.add_argument("--nights", type=int, default=None,
                        help="with --alerts: only this many nights from --first-night (default: all)")
    parser.add_argument("--first-night", type=int, default=None,
                        help="with --alerts: the first night (MJD) written (default: the first with an alert)")
    return parser


def _run_alerts(args: argparse.Namespace) -> int:
    import time

    from minibroker.stream.simulate import simulate_alerts

    start = time.perf_counter()
    s = simulate_alerts(args.n, args.out, seed=args.seed, mix=args.mix, nights=args.nights,
                        first_night=args.first_night)
    print(f"simulated {args.n} objects as {s['alerts']} alerts (schema {s['schema']}) in {s['files']} nightly "
          f"files in {s['out_dir']} in {time.perf_counter() - start:.2f} s; true classes of the "
          f"{s['objects']} alert objects in {s['labels']}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the simulator with parsed ``args``; print a one-line summary. Returns exit code."""
    from .run import simulate

    if args.alerts:
        return _run_alerts(args)
    try:
        s = simulate(args.n, args.out, seed=args.seed, mix=args.mix, jobs=args.jobs,
                     prefix=args.prefix, stream=args.stream, progress=sys.stderr.isatty())
    except ValueError as exc:
        raise UserError(f"{exc}: see minibroker simulate --help") from None
    classes = " ".join(f"{k}={v}" for k, v in s["classes"].items())
    print(f"simulated {s['n']} light curves ({s['observations']} observations, {s['files']} files"
          f"{', stream' if s['stream'] else ''}) in {s['out_dir']} in {s['seconds']:.2f} s "
          f"with {s['jobs']} jobs [{classes}]")
    return 0


COMMANDS = [
    Command("simulate", "write simulated LSST-like light curves (one file per object, or nightly batches)",
            run, add_arguments, options=("jobs",),
            examples=("minibroker simulate --n 1000 --out sim --seed 42",)),
]
