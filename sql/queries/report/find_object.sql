-- objects called :name (in :dataset, or in any dataset when it is null), with their label
select o.objId, o.dataset, o.name, l.label
from objects as o
left join lcLabels as l on l.objId = o.objId
where o.name = :name
  and (:dataset is null or o.dataset = :dataset)
order by o.dataset
