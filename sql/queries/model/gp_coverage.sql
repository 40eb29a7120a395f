-- objects of :dataset and how many of them have GP features (make gp)
select count(*), count(g.objId)
from objects as o
left join (select distinct objId from lcGPFeats) as g on g.objId = o.objId
where o.dataset = :dataset
