-- which of the forced measurements :ids (a JSON array) are stored already (a decoder drops them early)
select d.diaForcedSourceId
from json_each(:ids) as j
join diaForcedSources as d on d.diaForcedSourceId = j.value
