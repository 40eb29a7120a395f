-- what MiniBroker knows of an object: its features and the chosen model's latest class
select
    f.*,
    p.runId as predRunId,
    p.label as predLabel,
    p.className as predClassName,
    p.score as predScore,
    p.scoreKind as predScoreKind,
    p.scores as predScores
from objects as o
left join lcFeats as f on f.objId = o.objId
left join latestPredictions as p on p.objId = o.objId
where o.objId = :objId
