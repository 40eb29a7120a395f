-- the GP posterior mean and standard deviation of one object, band by band on its grid
select pb, t, flux, fluxErr
from lcGP
where objId = :objId
order by pb, t
