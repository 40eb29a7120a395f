insert into anomalyRuns (dataset, model, params, features, libraries, nObjects, seconds, createdAt)
values (:dataset, :model, :params, :features, :libraries, :nObjects, :seconds, :createdAt)
returning anomalyRunId
