"""What the model commands share: the feature-set option, picking the dataset, printing tables."""

import apsw

from minibroker.core import datasets


def feature_set_arg(parser) -> None:
    from minibroker.model.feature_sets import DEFAULT_FEATURE_SET, FEATURE_SETS

    parser.add_argument("--feature-set", choices=sorted(FEATURE_SETS), default=DEFAULT_FEATURE_SET,
                        help="moments: lcFeats (default); gp: lcFeats plus GP features (run make gp first); "
                             "period: lcFeats plus period and shape features (lcPeriodFeats)")


def only_dataset(conn: apsw.Connection, db: str) -> str:
    """The dataset when the database holds exactly one; otherwise a UserError saying what to do."""
    return datasets.only(conn, db)


def split_list(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def table(frame) -> str:
    """A pandas DataFrame as text, wide enough for the comparison tables."""
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 50):
        return frame.to_string()

