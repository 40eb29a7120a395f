-- every run's prediction for one object, the chosen run of the latest training first
select
    p.runId,
    r.model,
    r.trainingId,
    r.chosen,
    p.label,
    p.score,
    p.scoreKind,
    p.scores,
    p.predictedAt
from predictions as p
join modelRuns as r on r.runId = p.runId
where p.objId = :objId
order by r.chosen desc, r.trainingId desc, r.runId
