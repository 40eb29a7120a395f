"""``minibroker demo`` (``make demo``): the whole job on simulated data, nothing downloaded.

Simulates a balanced, labelled training set and a separate set of "new observations" with a
realistic, imbalanced class mix (their true classes are hidden in ``#label:`` headers, as in the
original exercise), loads both into one database as the datasets ``train`` and ``new``, computes
features, trains and compares classifiers, predicts the new objects, streams a month of the new
objects' survey in as Rubin alert packets (one Avro file per night, classified as they arrive),
loads the alert objects' true classes (to measure early classification), ranks anomalies, fits Gaussian processes and writes a report. Every step is the same command a user would run.
"""

import sys
import time
from pathlib import Path

from minibroker.core.commands import Command


ALERT_MONTH_START = 61200  # MJD: a month in the survey's second year, when most objects are observed


def add_arguments(parser) -> None:
    parser.add_argument("--out", default="out", help="output folder for data, database and report (default: out)")
    parser.add_argument("--n-train", type=int, default=2000, help="simulated training objects (default: 2000)")
    parser.add_argument("--n-new", type=int, default=1000, help="simulated new objects (default: 1000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument("--top", type=int, default=10, help="anomalies to list (default: 10)")


def steps(args) -> list[tuple[str, list[str]]]:
    out = Path(args.out)
    db = str(out / "demo.db")
    jobs = ["--jobs", str(args.jobs)]
    return [
        ("simulate the training set", ["simulate", "--n", str(args.n_train), "--out", str(out / "train"),
                                       "--seed", str(args.seed), "--mix", "balanced", "--prefix", "TRAIN", *jobs]),
        ("simulate new observations", ["simulate", "--n", str(args.n_new), "--out", str(out / "new"),
                                       "--seed", str(args.seed + 1), "--mix", "realistic", "--prefix", "NEW", *jobs]),
        ("load the training set", ["load", "--db", db, "--dataset", "train", *jobs, str(out / "train")]),
        ("load the new observations", ["load", "--db", db, "--dataset", "new", *jobs, str(out / "new")]),
        ("compute features in SQLite", ["features", "--db", db, *jobs]),
        # 2,000 objects: one object moves balanced accuracy by 0.0005, so 2 repeats are plenty
        ("train and compare classifiers", ["train", "--db", db, "--dataset", "train", "--repeats", "2", *jobs]),
        ("classify the new objects", ["predict", "--db", db, "--dataset", "new"]),
        ("simulate a month of alert packets from the new objects' survey",
         ["simulate", "--alerts", "--n", str(args.n_new), "--out", str(out / "alerts"), "--seed", str(args.seed + 1),
          "--mix", "realistic", "--first-night", str(ALERT_MONTH_START), "--nights", "30"]),
        ("stream the month in, night by night, classifying objects as their alerts arrive",
         ["stream", "--db", db, "--dataset", "alerts", *jobs, str(out / "alerts")]),
        ("load the alert objects' true classes (for early classification in the report)",
         ["labels", "--db", db, "--dataset", "alerts", str(out / "alerts" / "labels.csv")]),
        ("rank anomalies among the new objects", ["anomalies", "--db", db, "--dataset", "new", "--top", str(args.top)]),
        ("Gaussian-process light curves of the new objects", ["gp", "--db", db, "--dataset", "new", *jobs]),
        ("write the report", ["report", "--db", db, "--dataset", "new", "--out", str(out / "report"),
                              "--top", str(min(args.top, 9))]),
    ]


def run(args) -> int:
    from minibroker.app.cli import main

    start = time.perf_counter()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    plan = steps(args)
    for i, (title, argv) in enumerate(plan, 1):
        print(f"\n== [{i}/{len(plan)}] {title}: minibroker {' '.join(argv)}", flush=True)
        code = main(argv)
        if code != 0:
            print(f"demo: step {i} ({title}) failed with exit code {code}", file=sys.stderr)
            return code
    db = Path(args.out) / "demo.db"
    print(f"\ndemo finished in {time.perf_counter() - start:.0f} s. Outputs:")
    print(f"  database      {db}  (open it with: sqlite3 {db})")
    print(f"  light curves  {Path(args.out) / 'train'}/, {Path(args.out) / 'new'}/")
    print(f"  alerts        {Path(args.out) / 'alerts'}/  (a month of nightly Avro files, streamed as dataset 'alerts')")
    print(f"  report        {Path(args.out) / 'report' / 'index.html'}  (open it in a browser)")
    print("  try           sqlite3 " + str(db) + " 'select * from modelComparison'")
    return 0


COMMANDS = [
    Command("demo", "the whole job on simulated data: simulate, load, features, train, predict, anomalies, GP, report",
            run, add_arguments, options=("jobs",), examples=("minibroker demo --out out",)),
]
