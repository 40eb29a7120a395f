select distinct objId from temp.srcPhot where t >= :lo and t < :hi order by objId
