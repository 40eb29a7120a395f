-- On the stream's writer connection, inside store_batch: the batch's new alerts with their object,
-- position, time, band and flux, handed to the filters (filters/run.py) after the commit.
select
    a.diaSourceId,
    m.objId,
    a.ra,
    a.dec,
    a.t as mjd,
    a.band,
    s.psfFlux,
    s.psfFluxErr
from temp.newAlerts as a
join temp.objMap as m on m.diaObjectId = a.diaObjectId
left join temp.newSources as s on s.diaSourceId = a.diaSourceId
order by a.diaSourceId
