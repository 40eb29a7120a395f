"""``minibroker train``: cross-validate the candidate models, print the comparison, store them all."""

from minibroker.model.cli_common import feature_set_arg, split_list, table

REPEATS = 10   # model.repeated.REPEATS, without importing scikit-learn to build the parser (a test checks)


def add_arguments(parser) -> None:
    parser.add_argument("--features", help="comma-separated feature columns (default: every column of the feature set)")
    feature_set_arg(parser)
    parser.add_argument("--models", help="comma-separated candidates (default: svm,rf,svmScaled,lgbm,et; gb also exists)")
    parser.add_argument("--repeats", type=int, default=REPEATS,
                        help=f"repeats of stratified 5-fold CV the choice is made on (default: {REPEATS}; "
                             "0: the exercise's single split only)")


def _progress(run) -> None:
    rep = run.repeated
    repeated = f", repeated CV {rep.mean:.4f} ± {rep.std:.4f}" if rep is not None else ""
    print(f"  {run.model:<10} exercise split balanced accuracy {run.cv_balanced_accuracy:.4f}{repeated}, "
          f"stored fit {run.final_fit_seconds:.2f} s", flush=True)


def run(args) -> int:
    import pandas as pd

    from minibroker.database import connect
    from minibroker.core.errors import UserError
    from minibroker.loader.classnames import names_for
    from minibroker.model.train import train

    if args.repeats < 0:
        raise UserError("--repeats must be 0 or more: give 0 for the exercise's single split only")
    conn = connect(args.db)
    print(f"training on {args.dataset or 'every dataset'} ({args.feature_set} features), a line per candidate:",
          flush=True)
    result = train(conn, args.dataset, features=split_list(args.features), models=split_list(args.models),
                   feature_set=args.feature_set, repeats=args.repeats, jobs=args.jobs, progress=_progress)
    name = names_for(conn, result.class_counts)
    counts = ", ".join(f"{name[label]}: {n}" for label, n in result.class_counts.items())
    repeats = f"; repeated stratified 5-fold x {args.repeats} (fixed seed)" if args.repeats else ""
    print(f"training {result.training_id}: {result.n_objects} labelled objects of "
          f"{result.dataset or 'every dataset'} (classes {counts}), {len(result.features)} features "
          f"({args.feature_set}); exercise split: 5-fold stratified CV without shuffling, objId order{repeats}")
    frame = pd.DataFrame([{
        "runId": r.run_id,
        "model": r.model,
        "exerciseAcc": round(r.cv_accuracy, 4),
        "exerciseBalAcc": round(r.cv_balanced_accuracy, 4),
        **({"repeatedBalAcc": f"{r.repeated.mean:.4f} ± {r.repeated.std:.4f}"} if r.repeated else {}),
        **({f"recall {name[c]}": round(v, 3) for c, v in r.repeated.recall.items()} if r.repeated else {}),
        "fitMs": round(r.fit_seconds * 1e3, 2),
        "predictUsPerObj": round(r.predict_seconds_per_object * 1e6, 1),
        "chosen": "*" if r.chosen else "",
    } for r in result.runs]).set_index("runId")
    print(table(frame))
    c = result.chosen
    basis = "repeated-CV" if c.repeated else "cross-validated"
    print(f"chosen: run {c.run_id} ({c.model}), best {basis} balanced accuracy ({c.score:.4f}); "
          "ties go to the faster (predict time per object, then fit time)")
    return 0
