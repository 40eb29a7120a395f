select runId, trainingId, model, dataset, nObjects, features, classes, cvAccuracy, cvBalancedAccuracy, chosen
from modelRuns
where runId = :runId
