-- the model chosen by the most recent training
select runId
from modelRuns
where chosen = 1
order by trainingId desc
limit 1
