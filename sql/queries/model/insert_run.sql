insert into modelRuns (
    trainingId, model, params, cvAccuracy, cvBalancedAccuracy, fitSeconds, predictSecondsPerObject,
    finalFitSeconds, chosen, dataset, nObjects, features, classes, libraries, modelSha256, createdAt,
    cvRepeats, cvBalancedAccuracyMean, cvBalancedAccuracyStd, cvRecall
)
values (
    :trainingId, :model, :params, :cvAccuracy, :cvBalancedAccuracy, :fitSeconds, :predictSecondsPerObject,
    :finalFitSeconds, :chosen, :dataset, :nObjects, :features, :classes, :libraries, :modelSha256, :createdAt,
    :cvRepeats, :cvBalancedAccuracyMean, :cvBalancedAccuracyStd, :cvRecall
)
returning runId
