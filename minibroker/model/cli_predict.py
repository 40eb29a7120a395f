"""``minibroker predict``: classify every object of a dataset with the chosen (or given) model."""

from minibroker.model.cli_common import only_dataset, table


def add_arguments(parser) -> None:
    parser.add_argument("--run-id", type=int, help="modelRuns.runId to use (default: the model chosen by the latest training)")


def run(args) -> int:
    from minibroker.database import connect
    from minibroker.loader.classnames import names, show
    from minibroker.model.predict import predict

    conn = connect(args.db)
    dataset = args.dataset or only_dataset(conn, args.db)
    r = predict(conn, dataset, args.run_id)
    print(f"predict {dataset}: {r.n_objects} objects with run {r.run.run_id} ({r.run.model}, "
          f"training {r.run.training_id}) -> predictions")
    known = names(conn)
    print("predicted classes: " + ", ".join(f"{show(label, known)}: {n}" for label, n in r.distribution.items()))
    if r.n_labelled:
        print(f"against the {r.n_labelled} known labels: accuracy {r.accuracy:.4f}, "
              f"balanced accuracy {r.balanced_accuracy:.4f}")
        if r.in_training:
            print(f"note: {r.in_training} of these objects trained the model, so these are in-sample numbers; "
                  "the cross-validated ones are in modelRuns")
        print("confusion matrix (rows: true class, columns: predicted class):")
        shown = r.confusion.rename(index=lambda c: show(c, known), columns=lambda c: show(c, known))
        print(table(shown))
    else:
        print("no known labels in this dataset: no accuracy to report")
    return 0
