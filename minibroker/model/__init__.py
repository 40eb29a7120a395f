"""The model module: classify objects and rank the strangest, reading features through SQL views.

- ``matrix``: the feature matrix from the views, and the NULL/-999 rule;
- ``candidates``: the models compared by ``make train``;
- ``train``: cross-validation, the choice rule, records in trainings/modelRuns/modelFolds;
- ``store``: fitted models as hashed blobs in ``models``;
- ``predict``: ``make predict`` into ``predictions``;
- ``anomalies``: ``make anomalies`` (IsolationForest) into ``anomalies``;
- ``cli_train``, ``cli_predict``, ``cli_anomalies`` (helpers in ``cli``): the commands.
"""
