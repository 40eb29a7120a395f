"""The filter commands: ``watchlist`` (``cli_watchlist``), ``filters`` (``cli_filters``) and ``backtest``
(``cli_backtest``), each with ``add_arguments(parser)`` and ``run(args)``."""

from minibroker.core.commands import Command
from minibroker.filters import cli_backtest, cli_filters, cli_watchlist

COMMANDS = [
    Command("watchlist", "load or replace a named watchlist (name,ra,dec,radius CSV) matched against every alert",
            cli_watchlist.run, cli_watchlist.add_arguments, creates_db=True,
            examples=("minibroker watchlist --db t.db --name mine sources.csv",)),
    Command("filters", "run every stream filter once over the database's objects, store and deliver matches",
            cli_filters.run, cli_filters.add_arguments, options=("db", "dataset")),
    Command("backtest", "replay a stream filter night by night as of each night: matches, precision, delay",
            cli_backtest.run, cli_backtest.add_arguments, options=("db", "dataset"),
            examples=("minibroker backtest --db t.db --filter young_rising",)),
]
