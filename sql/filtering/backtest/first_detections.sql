-- each object's first significant detection (flux >= :snr dflux), from everything the source holds
select objId, min(t) as tFirst
from temp.srcPhot
where flux >= :snr * dflux
group by objId
