-- every observation of one object (u and y included) in time order
select id, t, pb, flux, dflux
from rawPhot
where objId = :objId
order by t, id
