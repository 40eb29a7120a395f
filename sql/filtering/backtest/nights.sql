-- every night (integer MJD) with a measurement in [from, to]
select distinct cast(floor(t) as integer) as night
from temp.srcPhot
where t >= :from and t < :to + 1
order by night
