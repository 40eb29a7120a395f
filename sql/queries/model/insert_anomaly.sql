insert into anomalies (anomalyRunId, objId, score, rank)
values (:anomalyRunId, :objId, :score, :rank)
