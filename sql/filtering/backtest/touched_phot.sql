-- what the replay holds of the touched objects, to pack into lcBands
select objId, pb, t, flux, dflux
from main.rawPhot
where objId in (select value from json_each(:ids))
order by objId, pb, t, id
