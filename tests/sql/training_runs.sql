-- the candidates of one training with their per-fold accuracies (JSON array, fold order) and
-- repeated-CV mean balanced accuracy
select
    r.runId,
    r.model,
    r.cvAccuracy,
    r.cvBalancedAccuracy,
    (select json_group_array(round(f.accuracy, 3))
     from (select accuracy from modelFolds where runId = r.runId order by fold) as f) as foldAccuracy,
    r.fitSeconds,
    r.predictSecondsPerObject,
    r.chosen,
    r.cvBalancedAccuracyMean
from modelRuns as r
where r.trainingId = :trainingId
order by r.runId
