-- objects measured in [lo, hi): first seen ones get their objects row
insert or ignore into main.objects (objId, dataset, name)
select o.objId, o.dataset, o.name
from src.objects as o
where o.objId in (select distinct objId from temp.srcPhot where t >= :lo and t < :hi);
insert or ignore into main.lcLabels (objId, label, source)
select l.objId, l.label, l.source
from src.lcLabels as l
where l.objId in (select distinct objId from temp.srcPhot where t >= :lo and t < :hi)
