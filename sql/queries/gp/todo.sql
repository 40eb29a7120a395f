-- objects (of :dataset, or of every dataset when it is null) whose GP is missing or stale:
-- no lcGPFeats rows at all, a fitted grid of another size than :nGrid, or a band whose point count
-- differs from lcBands (photometry replaced without clearing the GP rows).
select o.objId
from objects as o
where (:dataset is null or o.dataset = :dataset)
  and (
    not exists (select 1 from lcGPFeats as g where g.objId = o.objId)
    or exists (
        select 1 from lcGPFeats as g
        where g.objId = o.objId and g.lengthScale is not null and g.nGrid != :nGrid
    )
    or exists (
        select 1
        from lcBands as b
        left join lcGPFeats as g on g.objId = b.objId and g.pb = b.pb
        where b.objId = o.objId and (g.objId is null or g.nPoints != b.n)
    )
    or exists (
        select 1
        from lcGPFeats as g
        left join lcBands as b on b.objId = g.objId and b.pb = g.pb
        where g.objId = o.objId and g.nPoints > 0 and b.objId is null
    )
  )
order by o.objId
