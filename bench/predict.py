"""The predict case: after ``minibroker train`` on the loaded and featurised database (the
simulated files' ``#label:`` headers give the labels), time ``minibroker predict --db X
--dataset D`` as a subprocess, spawn to exit; objects/s = objects of the dataset / seconds.
Training is timed once, for information.
"""

from __future__ import annotations

import re
from pathlib import Path

from bench import proc
from bench.common import minibroker_exe, scalar


def available() -> tuple[bool, str]:
    try:
        import minibroker.model.cli_predict  # noqa: F401
        import minibroker.model.cli_train  # noqa: F401
        from minibroker.app.cli import build_parser

        build_parser().parse_args(["predict", "--db", "x.db"])
    except (Exception, SystemExit) as exc:
        return False, f"model package or its commands not available: {type(exc).__name__}: {exc}"
    return True, ""


def train(db: Path, dataset: str) -> dict:
    r = proc.run([minibroker_exe(), "train", "--db", str(db), "--dataset", dataset])
    chosen = re.search(r"chosen: run \d+ \(([^)]+)\)", r.stdout)
    return {"seconds": r.seconds, "chosen_model": chosen.group(1) if chosen else None,
            "stdout": r.stdout.strip()[-1500:]}


def run_predict(db: Path, dataset: str) -> dict:
    objects = scalar(db, "select count(*) from objects where dataset = ?", (dataset,))
    r = proc.run([minibroker_exe(), "predict", "--db", str(db), "--dataset", dataset])
    return {"seconds": r.seconds, "objects": objects, "rate": objects / r.seconds,
            "memory": {"main_peak_mib": r.main_peak_mib}, "stdout": r.stdout.strip()[-800:]}
