-- the latest class of an object by a run (predictions holds one row per object and run)
insert into predictions (objId, runId, label, score, scoreKind, scores, predictedAt)
values (:objId, :runId, :label, :score, :scoreKind, :scores, :predictedAt)
on conflict (objId, runId) do update set
    label = excluded.label, score = excluded.score, scoreKind = excluded.scoreKind,
    scores = excluded.scores, predictedAt = excluded.predictedAt
