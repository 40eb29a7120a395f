insert into trainingFolds (trainingId, objId, label, fold)
values (:trainingId, :objId, :label, :fold)
