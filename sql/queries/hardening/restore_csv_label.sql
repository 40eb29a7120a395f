-- an object (re)created by a load gets back the label a CSV gave it
insert into lcLabels (objId, label, source)
select :objId, c.label, c.source
from csvLabels as c
where c.dataset = :dataset and c.name = :name
on conflict (objId) do update set label = excluded.label, source = excluded.source
