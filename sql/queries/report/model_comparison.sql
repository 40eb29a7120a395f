-- the candidates of the most recent training, best cross-validated balanced accuracy first
select model, chosen, dataset, nObjects, cvAccuracy, cvBalancedAccuracy, fitSeconds,
       predictSecondsPerObject
from modelComparison
where latestTraining = 1
order by cvBalancedAccuracy desc
