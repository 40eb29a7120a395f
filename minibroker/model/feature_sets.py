"""The feature sets a model can use. For each: the training query under sql/queries/model/, and the
view whose columns (after objId, dataset, name, label) are the set's features. Predicting and
ranking read ``dataset_matrix_gp`` (every column of every set) and keep the run's columns.

Kept apart from ``model.matrix`` so the command line can list them without importing scikit-learn.
"""

FEATURE_SETS = {
    "moments": "queries/model/training_matrix.sql",           # lcFeats (trainingSet)
    "gp": "queries/model/training_matrix_gp.sql",             # lcFeats + GP features (trainingSetGP; make gp first)
    "period": "queries/model/training_matrix_period.sql",     # lcFeats + lcPeriodFeats (trainingSetPeriod)
}
FEATURE_VIEWS = {"moments": "objectFeatures", "gp": "objectFeaturesGP", "period": "objectFeaturesPeriod"}
# the command that fills a feature set's extra columns
FILLED_BY = {"gp": "make gp", "period": "make features"}
DEFAULT_FEATURE_SET = "moments"
