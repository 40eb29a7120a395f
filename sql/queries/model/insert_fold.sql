insert into modelFolds (runId, fold, nTrain, nTest, accuracy, balancedAccuracy, fitSeconds, predictSeconds, params)
values (:runId, :fold, :nTrain, :nTest, :accuracy, :balancedAccuracy, :fitSeconds, :predictSeconds, :params)
