-- every model run with its training and how many objects it predicted
select r.runId, r.trainingId, r.model, r.chosen, r.cvAccuracy, r.cvBalancedAccuracy, r.fitSeconds,
       r.predictSecondsPerObject, r.dataset, r.nObjects, r.classes, r.createdAt,
       (select count(*) from predictions as p where p.runId = r.runId) as nPredicted
from modelRuns as r
order by r.trainingId desc, r.cvBalancedAccuracy desc
