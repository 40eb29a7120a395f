"""The report commands: ``plot`` (``cli_plot``) and ``report`` (``cli_report``)."""

from minibroker.core.commands import Command
from minibroker.report import cli_plot, cli_report

COMMANDS = [
    Command("plot", "plot one object's multiband light curve (optionally with its GP) as a PNG",
            cli_plot.run, cli_plot.add_arguments, options=("db", "dataset"),
            dataset_default="the one holding the object; needed when the name is in several"),
    Command("report", "write a static HTML report: anomaly gallery, confusion matrix, feature plots, tables",
            cli_report.run, cli_report.add_arguments, options=("db", "dataset")),
]
