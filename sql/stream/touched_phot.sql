-- the rawPhot rows of the objects a batch changed, to pack into lcBands (ties in t broken by value,
-- so the packed order does not depend on the order alerts arrived in)
select r.objId, r.pb, r.t, r.flux, r.dflux
from temp.touched as tt
join rawPhot as r on r.objId = tt.objId
order by r.objId, r.pb, r.t, r.flux, r.dflux
