-- the measurements of [lo, hi), with their source ids (a match names the latest as 'phot:<id>')
insert into main.rawPhot (id, objId, t, pb, flux, dflux)
select id, objId, t, pb, flux, dflux
from temp.srcPhot
where t >= :lo and t < :hi
