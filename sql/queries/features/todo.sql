-- objects (of :dataset, or of every dataset when it is null) that have no features yet:
-- a load that adds or replaces an object's photometry deletes its lcFeats and lcPeriodFeats rows;
-- a database upgraded to migration 005 lacks lcPeriodFeats rows.
select o.objId
from objects as o
left join lcFeats as f on f.objId = o.objId
left join lcPeriodFeats as p on p.objId = o.objId
where (f.objId is null or p.objId is null)
  and (:dataset is null or o.dataset = :dataset)
order by o.objId
