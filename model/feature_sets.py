"""The feature sets a model can use: name -> (training query, dataset query) under sql/queries/model/.

Kept apart from ``model.matrix`` so the command line can list them without importing scikit-learn.
"""

FEATURE_SETS = {
    "moments": ("training_matrix", "dataset_matrix"),        # lcFeats (objectFeatures, trainingSet)
    "gp": ("training_matrix_gp", "dataset_matrix_gp"),       # lcFeats + GP features (make gp)
}
DEFAULT_FEATURE_SET = "moments"
