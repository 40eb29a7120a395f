-- the class the chosen model of the most recent training predicted for one object (no row if none)
select p.label, r.model
from predictions as p
join modelRuns as r on r.runId = p.runId
where p.objId = :objId and r.chosen = 1
order by r.trainingId desc
limit 1
