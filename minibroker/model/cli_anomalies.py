"""``minibroker anomalies``: rank a dataset's objects by IsolationForest anomaly score; print the top N."""

from minibroker.model.cli_common import feature_set_arg, only_dataset, table


def add_arguments(parser) -> None:
    parser.add_argument("--top", type=int, default=10, help="how many of the most anomalous to print (default: 10)")
    feature_set_arg(parser)


def run(args) -> int:
    import pandas as pd

    from minibroker.database import connect
    from minibroker.core.errors import UserError
    from minibroker.loader.classnames import names, show
    from minibroker.model.anomalies import score

    if args.top < 0:
        raise UserError(f"--top must be 0 or more, not {args.top}: give TOP=N")
    conn = connect(args.db)
    dataset = args.dataset or only_dataset(conn, args.db)
    r = score(conn, dataset, top=args.top, feature_set=args.feature_set)
    print(f"anomalies {dataset}: {r.n_objects} objects scored by IsolationForest in {r.seconds:.2f} s "
          f"(anomaly run {r.anomaly_run_id}; score in (0, 1], higher is stranger)")
    if r.top:
        known = names(conn)
        frame = pd.DataFrame([{"rank": a.rank, "name": a.name,
                               "class": "" if a.true_label is None else show(a.true_label, known),
                               "predicted": "" if a.predicted is None else show(a.predicted, known),
                               "score": round(a.score, 4)} for a in r.top]).set_index("rank")
        print(f"top {len(r.top)} (class: known class; predicted: chosen model of the latest training):")
        print(table(frame))
    return 0
