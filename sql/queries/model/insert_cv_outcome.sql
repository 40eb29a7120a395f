-- one training object's outcomes in a run's repeated cross-validation
insert into cvObjectOutcomes (runId, objId, label, nTested, nWrong, predictions)
values (:runId, :objId, :label, :nTested, :nWrong, :predictions)
