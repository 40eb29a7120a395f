-- the GP grid of one object, band by band
select pb, t, flux, fluxErr
from lcGP
where objId = :objId
order by pb, t
