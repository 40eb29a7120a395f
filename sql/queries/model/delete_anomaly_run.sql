-- the previous anomaly run of :dataset and its scores (on delete cascade)
delete from anomalyRuns where dataset = :dataset
