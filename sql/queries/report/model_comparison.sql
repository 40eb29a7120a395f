-- the candidates of the most recent training, best (repeated-)cross-validated balanced accuracy first
select model, chosen, dataset, nObjects, cvAccuracy, cvBalancedAccuracy, cvBalancedAccuracyMean,
       cvBalancedAccuracyStd, cvRecall, fitSeconds, predictSecondsPerObject
from modelComparison
where latestTraining = 1
order by coalesce(cvBalancedAccuracyMean, cvBalancedAccuracy) desc
