"""``minibroker spark``: features, saved filters and SQL on Apache Spark over an export, and the
Structured Streaming job over a Kafka alert topic (``spark stream``, minibroker/spark/stream.py).

``SPARK_MASTER`` selects local[N] (default local[2]) or a cluster URL."""

import sys
from pathlib import Path

from minibroker.core.errors import UserError


def add_arguments(sp) -> None:
    sub = sp.add_subparsers(dest="spark_command", required=True, metavar="ACTION")
    f = sub.add_parser("features", help="lcFeats from an export's lcBands; results go to PARQUET/features/",
                       description="compute lcFeats on Spark from an export; results go to PARQUET/features/")
    f.add_argument("parquet", help="export directory (minibroker export)")
    q = sub.add_parser("filter", help="run a saved selection sql/filters/NAME.sql on Spark SQL",
                       description="run a saved selection sql/filters/NAME.sql on Spark SQL over an export")
    q.add_argument("name", help="filter name (sql/filters/NAME.sql)")
    q.add_argument("--parquet", required=True, help="export directory (minibroker export)")
    q.add_argument("--param", action="append", metavar="KEY=VALUE", help="bind :KEY (repeatable)")
    q.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")
    s = sub.add_parser("sql", help="run one SQLite-dialect query on Spark SQL (views and functions available)",
                       description="run one SQLite-dialect query on Spark SQL over an export")
    s.add_argument("query", help="the SQL (SQLite dialect; transpiled)")
    s.add_argument("--parquet", required=True, help="export directory (minibroker export)")
    s.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")
    t = sub.add_parser("train", help="make train on the features Spark computed (spark features), stored in --db",
                       description="cross-validate and store models as make train does, on the lcFeats spark "
                                   "features computed from an export of --db (moments features)")
    t.add_argument("parquet", help="export directory of --db (minibroker export), with spark features results")
    t.add_argument("--db", default="broker.db", help="the database the export came from (default: broker.db)")
    t.add_argument("--dataset", help="train on this dataset's labelled objects (default: every dataset)")
    t.add_argument("--models", help="comma-separated candidates (default: svm,rf,svmScaled,lgbm,et)")
    t.add_argument("--repeats", type=int, default=10, help="repeats of stratified 5-fold CV (default: 10; 0: the "
                                                           "exercise's single split only)")
    t.add_argument("--jobs", type=int, default=None, help="processes cross-validating (default: the cores)")
    k = sub.add_parser("stream", help="Structured Streaming from a Kafka alert topic: decode, store, features, classes "
                                      "per micro-batch as Parquet under OUT/<table>/batch=N",
                       description="consume a Kafka alert topic with Spark Structured Streaming (exactly once: "
                                   "checkpointed offsets, batch-id idempotent output); credentials from "
                                   "MINIBROKER_KAFKA_USERNAME/PASSWORD/MECHANISM/SECURITY_PROTOCOL as minibroker stream")
    k.add_argument("source", help="kafka://host:port/topic")
    k.add_argument("--checkpoint", required=True, help="Spark's checkpoint directory (keep it to resume)")
    k.add_argument("--out", help="output directory (default: CHECKPOINT/output)")
    k.add_argument("--model-db", help="classify with the chosen model of this MiniBroker database (make train)")
    k.add_argument("--max-offsets", type=int, default=10_000,
                   help="at most this many messages per micro-batch (default: 10000)")
    k.add_argument("--follow", action="store_true",
                   help="keep waiting for new messages (stop with Ctrl-C or SIGTERM); without it, read what is "
                        "there and exit")


def _export_dir(path: str) -> Path:
    p = Path(path)
    if not (p / "manifest.json").is_file():
        raise UserError(f"no export at {p} (no manifest.json): make export DB=… OUT={p} first")
    return p


def _analysis_error(exc) -> UserError:
    return UserError(f"Spark SQL: {' '.join(str(exc).split())[:300]}")


def _stream(args) -> int:
    from minibroker.spark.session import master
    from minibroker.spark.stream import read_output, run_stream

    if not args.source.startswith("kafka://"):
        raise UserError(f"{args.source} is not a Kafka source: write kafka://host:port/topic")
    if args.max_offsets < 1:
        raise UserError(f"--max-offsets must be at least 1, not {args.max_offsets}")
    out = Path(args.out) if args.out else Path(args.checkpoint) / "output"
    lines = run_stream(args.source, Path(args.checkpoint), out, model_db=args.model_db,
                       max_offsets=args.max_offsets, follow=args.follow,
                       say=lambda line: print(line, flush=True))
    alerts = sum(b.alerts for b in lines)
    failed = sum(b.failed for b in lines)
    total = read_output(out)
    print(f"spark stream on {master()} -> {out}: {len(lines)} micro-batches, {alerts} alerts stored, {failed} failed "
          f"messages; in all {len(total['alerts'])} alerts, {len(total['lcFeats'])} objects with features", flush=True)
    return 1 if failed else 0


def _train(args, directory: Path, spark) -> int:
    from minibroker.database import connect
    from minibroker.model.cli_common import split_list
    from minibroker.spark.train import spark_train

    if args.repeats < 0:
        raise UserError("--repeats must be 0 or more: give 0 for the exercise's single split only")
    if not Path(args.db).is_file():
        raise UserError(f"no database at {args.db}: give --db the database {directory} was exported from")
    conn = connect(args.db)
    result = spark_train(spark, conn, directory, args.dataset, models=split_list(args.models), repeats=args.repeats,
                         jobs=args.jobs)
    for r in result.runs:
        rep = f", repeated CV {r.repeated.mean:.4f}" if r.repeated is not None else ""
        print(f"  run {r.run_id} {r.model:<10} exercise split balanced accuracy {r.cv_balanced_accuracy:.4f}{rep}"
              f"{' (chosen)' if r.chosen else ''}")
    print(f"spark train: training {result.training_id} on {result.n_objects} labelled objects of "
          f"{result.dataset or 'every dataset'} with Spark's features -> {args.db}")
    return 0


def run(args) -> int:
    from minibroker.analyst.sql import parse_params
    from minibroker.spark.session import get_session, master

    if args.spark_command == "stream":
        return _stream(args)
    directory = _export_dir(args.parquet)
    spark = get_session()
    from pyspark.errors import AnalysisException

    if args.spark_command == "train":
        return _train(args, directory, spark)
    if args.spark_command == "features":
        from minibroker.spark.features import compute

        r = compute(spark, directory)
        print(f"spark features {directory} on {master()}: {r.objects} objects, {r.bands} bands in "
              f"{r.seconds:.1f} s -> {r.out}")
        return 0
    from minibroker.spark.queries import prepare, run_filter, run_sql

    replaced = prepare(spark, directory)
    if replaced:
        print(f"(using Spark's {', '.join(replaced)} from {directory}/features)", file=sys.stderr)
    try:
        if args.spark_command == "filter":
            df = run_filter(spark, args.name, parse_params(args.param))
        else:
            df = run_sql(spark, args.query)
        print(df.limit(args.limit).toPandas().to_string(index=False))
    except AnalysisException as exc:
        raise _analysis_error(exc) from None
    return 0
