-- which of the detections :ids (a JSON array) are stored already (a decoder drops them early)
select d.diaSourceId
from json_each(:ids) as j
join diaSources as d on d.diaSourceId = j.value
