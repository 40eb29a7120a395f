"""The one way to declare a ``minibroker`` command, and the options commands share.

A module that offers commands lists them in ``COMMANDS``; ``minibroker.app.cli`` collects them. A
command names the shared options it takes (each has one meaning everywhere), adds its own in
``arguments``, and ``run(args)`` returns the exit code. User errors are raised as
``UserError`` and printed by the CLI as one line ``minibroker CMD: what is wrong: what to do``
(exit 1); heavy imports belong inside ``run`` so that ``minibroker --help`` stays fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from minibroker.core.errors import UserError
from minibroker.core.workers import default_jobs

SHARED = ("db", "dataset", "jobs")


@dataclass(frozen=True)
class Command:
    name: str
    help: str                                        # one line: what it does
    run: Callable[[argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
    options: tuple[str, ...] = ("db",)               # shared options, from SHARED
    dataset_default: str = "every dataset"           # what --dataset means when not given
    creates_db: bool = False                         # may create the --db file (else it must exist)
    examples: tuple[str, ...] = ()

    def __post_init__(self):
        unknown = set(self.options) - set(SHARED)
        if unknown:
            raise ValueError(f"command {self.name}: unknown shared options {sorted(unknown)}")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: give at least 1")
    return value


def add_shared(parser: argparse.ArgumentParser, command: Command) -> None:
    """The shared options, each with the same name, default and meaning in every command."""
    if "db" in command.options:
        parser.add_argument("--db", default="broker.db", metavar="FILE",
                            help="the database file (default: broker.db)")
    if "dataset" in command.options:
        parser.add_argument("--dataset", metavar="NAME",
                            help=f"the dataset to work on (default: {command.dataset_default})")
    if "jobs" in command.options:
        parser.add_argument("--jobs", type=positive_int, default=default_jobs(), metavar="N",
                            help="processes doing the work, this one included (default: the cores, "
                                 f"{default_jobs()}; 1: no worker processes)")


def refuse(message: str) -> None:
    """Raise the one-line user error (a helper for ``run`` functions)."""
    raise UserError(message)
