-- the chosen model of the most recent training (no row before make train)
select runId, model, trainingId
from modelRuns
where chosen = 1
order by trainingId desc
limit 1
