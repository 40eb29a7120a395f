-- rows and distinct objects of run :runId in :dataset
select count(*) as rows, count(distinct p.objId) as objects
from predictions as p
join objects as o on o.objId = p.objId
where p.runId = :runId and o.dataset = :dataset
