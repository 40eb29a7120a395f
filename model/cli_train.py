"""``minibroker train``: cross-validate the candidate models, print the comparison, store them all."""

from model.cli import db_and_dataset, feature_set_arg, split_list, table


def add_arguments(parser) -> None:
    db_and_dataset(parser, "train on this dataset's labelled objects (default: labelled objects of every dataset)")
    parser.add_argument("--features", help="comma-separated feature columns (default: every column of objectFeatures)")
    feature_set_arg(parser)
    parser.add_argument("--models", help="comma-separated candidates (default: svm,rf,gb,svmScaled)")


def run(args) -> int:
    import pandas as pd

    from broker.db import connect
    from model.train import train

    conn = connect(args.db)
    result = train(conn, args.dataset, features=split_list(args.features), models=split_list(args.models),
                   feature_set=args.feature_set)
    counts = ", ".join(f"{label}: {n}" for label, n in result.class_counts.items())
    print(f"training {result.training_id}: {result.n_objects} labelled objects of "
          f"{result.dataset or 'every dataset'} (classes {counts}), {len(result.features)} features "
          f"({args.feature_set}), "
          f"5-fold stratified CV without shuffling, objects in objId order (the exercise's folds)")
    frame = pd.DataFrame([{
        "runId": r.run_id,
        "model": r.model,
        "cvAccuracy": round(r.cv_accuracy, 4),
        "cvBalancedAcc": round(r.cv_balanced_accuracy, 4),
        "foldAccuracy": " ".join(f"{f.accuracy:.2f}" for f in r.folds),
        "fitMs": round(r.fit_seconds * 1e3, 2),
        "predictUsPerObj": round(r.predict_seconds_per_object * 1e6, 1),
        "chosen": "*" if r.chosen else "",
    } for r in result.runs]).set_index("runId")
    print(table(frame))
    c = result.chosen
    print(f"chosen: run {c.run_id} ({c.model}), best cross-validated balanced accuracy "
          f"({c.cv_balanced_accuracy:.4f}); ties go to the faster (predict time per object, then fit time)")
    return 0
