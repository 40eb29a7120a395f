-- the packed light curves (little-endian float64 arrays sorted by t) of the objects in :objIds
select objId, pb, n, t, flux, dflux
from lcBands
where objId in (select value from json_each(:objIds))
order by objId, pb
