-- the model chosen by the most recent training (the chosenRun view)
select runId, model, trainingId
from chosenRun
