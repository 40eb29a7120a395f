-- the object's anomaly score and rank in its dataset's IsolationForest run (no row: not scored)
select a.score, a.rank, ar.nObjects, ar.model, ar.createdAt
from anomalies as a
join anomalyRuns as ar on ar.anomalyRunId = a.anomalyRunId
where a.objId = :objId
