"""``minibroker``: the command line, a thin layer over the library; the Makefile calls it.

Every command is declared the same way (``minibroker.core.commands.Command``, listed in its
module's ``COMMANDS``); shared options (``--db``, ``--dataset``, ``--jobs``) mean the same
everywhere. User errors print one line ``minibroker CMD: what is wrong: what to do`` and exit 1;
unexpected ones print one ``internal error`` line and exit 2 (``--debug`` shows the traceback);
Ctrl-C exits 130.
"""

import argparse
import importlib
import os
import sys
from pathlib import Path

from minibroker import __version__
from minibroker.core.commands import add_shared
from minibroker.core.errors import UserError

# the modules that offer commands, in the order `minibroker --help` lists them
COMMAND_MODULES = [
    "minibroker.app.demo",
    "minibroker.sim.cli",
    "minibroker.loader.cli",
    "minibroker.loader.cli_classnames",
    "minibroker.features.cli",
    "minibroker.stream.cli",
    "minibroker.filters.cli",
    "minibroker.analyst.cli",
    "minibroker.model.cli",
    "minibroker.gp.cli",
    "minibroker.report.cli",
    "minibroker.spark.cli",
    "minibroker.portal.server",
]

EPILOG = """examples:
  minibroker demo --out out                      the whole job on simulated data
  minibroker load --db t.db DIR                  load light-curve files (t pb flux dflux)
  minibroker features --db t.db                  compute lcFeats inside SQLite
  minibroker train --db t.db                     compare classifiers on labelled objects
  minibroker sql --db t.db "select count(*) from rawPhot"

Every command has --help. The Makefile runs the same commands (make help)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with usage mistakes under the one error contract: one line, exit 1."""

    def error(self, message):
        raise UserError(f"{message}: see {self.prog} --help")


def commands() -> list:
    """Every command of every module in COMMAND_MODULES (modules import only light things at top)."""
    found = []
    for module in COMMAND_MODULES:
        found += importlib.import_module(module).COMMANDS
    return found


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="minibroker", description="MiniBroker: a single-file astronomical alert broker "
                       "(light curves and alerts in, features, classes and anomalies out, in one SQLite database).",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    p.add_argument("--version", action="version", version=f"minibroker {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=ArgumentParser)
    for c in commands():
        epilog = ("examples:\n" + "\n".join(f"  {e}" for e in c.examples)) if c.examples else None
        sp = sub.add_parser(c.name, help=c.help, description=c.help, epilog=epilog,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        add_shared(sp, c)
        if c.arguments:
            c.arguments(sp)
        sp.set_defaults(func=c.run, creates_db=c.creates_db)
    return p


def _require_db(args) -> None:
    db = getattr(args, "db", None)
    if db is None or args.creates_db:
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
    from minibroker.core.db import disk_full

    if isinstance(exc, apsw.IOError) and db and disk_full(db):
        return f"the disk holding {where} is full: free space, then run this again (completed files are kept)"
    if isinstance(exc, apsw.FullError):
        return f"the disk holding {where} is full: free space, then run this again (completed files are kept)"
    if isinstance(exc, (apsw.CorruptError, apsw.NotADBError)):
        return f"{where} is damaged ({exc}): restore it from a copy or reload the data into a new DB"
    if isinstance(exc, apsw.CantOpenError):
        return f"cannot open {where}: check the path and its permissions"
    return None


def _one_line(text) -> str:
    return " ".join(str(text).split())


def _command_name(raw: list[str]) -> str:
    """``minibroker CMD`` for messages, before the command line has been parsed."""
    words = [w for w in raw if not w.startswith("-")]
    return f"minibroker {words[0]}" if words else "minibroker"


def main(argv: list[str] | None = None) -> int:
    """Run one command. Failures print one line on stderr (no traceback unless --debug): user
    errors exit 1, unexpected ones exit 2, Ctrl-C exits 130."""
    raw = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in raw
    try:
        parser = build_parser()
    except Exception as exc:  # a command module that does not import: say so in one line
        if debug:
            raise
        print(f"minibroker: internal error: {_one_line(f'{type(exc).__name__}: {exc}')}; "
              "rerun with --debug for the traceback", file=sys.stderr)
        return 2
    try:
        args = parser.parse_args(raw)
    except UserError as exc:
        print(f"{_command_name(raw)}: {_one_line(exc)}", file=sys.stderr)
        return 1
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
