"""The model commands: ``train``, ``predict``, ``anomalies`` (each in its own ``cli_*`` module with
``add_arguments(parser)`` and ``run(args)``)."""

from minibroker.core.commands import Command
from minibroker.model import cli_anomalies, cli_predict, cli_train

COMMANDS = [
    Command("train", "cross-validate models on labelled features, store them, mark the chosen one",
            cli_train.run, cli_train.add_arguments, options=("db", "dataset", "jobs"),
            dataset_default="labelled objects of every dataset"),
    Command("predict", "predict classes for a dataset with the chosen (or a given) model",
            cli_predict.run, cli_predict.add_arguments, options=("db", "dataset"), dataset_default="the only one"),
    Command("anomalies", "rank a dataset's objects by IsolationForest anomaly score",
            cli_anomalies.run, cli_anomalies.add_arguments, options=("db", "dataset"),
            dataset_default="the only one"),
]
