insert into predictions (objId, runId, label, score, scoreKind, scores, predictedAt)
values (:objId, :runId, :label, :score, :scoreKind, :scores, :predictedAt)
