insert into modelRuns (
    trainingId, model, params, cvAccuracy, cvBalancedAccuracy, fitSeconds, predictSecondsPerObject,
    finalFitSeconds, chosen, dataset, nObjects, features, classes, libraries, modelSha256, createdAt
)
values (
    :trainingId, :model, :params, :cvAccuracy, :cvBalancedAccuracy, :fitSeconds, :predictSecondsPerObject,
    :finalFitSeconds, :chosen, :dataset, :nObjects, :features, :classes, :libraries, :modelSha256, :createdAt
)
returning runId
