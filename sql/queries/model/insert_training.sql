insert into trainings (dataset, nObjects, nFolds, features, missingRule, createdAt)
values (:dataset, :nObjects, :nFolds, :features, :missingRule, :createdAt)
returning trainingId
