-- the class the chosen model of the most recent training predicted for one object (no row if none)
select p.label, c.model
from predictions as p
join chosenRun as c on c.runId = p.runId
where p.objId = :objId
