-- class label -> the names in the #type: headers of objects with that label (non-numeric names only)
select l.label, h.value as name, count(*) as n
from lcLabels as l
join objectHeaders as h on h.objId = l.objId
where h.key = 'type' and trim(h.value) <> '' and lower(h.value) not in ('none', 'null', 'nan', 'unknown') and cast(h.value as real) || '' <> h.value
  and cast(h.value as integer) || '' <> h.value
group by l.label, h.value
order by l.label, n desc
