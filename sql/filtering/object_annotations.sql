-- what MiniBroker knows of some objects: their features and the chosen model's latest class
select
    o.objId as annotatedObjId,
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
where o.objId in (select value from json_each(:objIds))
