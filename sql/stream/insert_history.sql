insert into predictionHistory (objId, runId, label, score, scoreKind, scores, nPoints, predictedAt)
values (:objId, :runId, :label, :score, :scoreKind, :scores,
        (select count(*) from rawPhot where objId = :objId), :predictedAt)
