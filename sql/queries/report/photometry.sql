-- every observation of one object (u and y included), band by band in time order
select pb, t, flux, dflux
from rawPhot
where objId = :objId
order by pb, t
