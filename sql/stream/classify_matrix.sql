-- the batch's changed objects with their lcFeats columns (objectFeatures: what each batch computes),
-- for stream/classify.py
select f.*
from temp.touched as tt
join objectFeatures as f on f.objId = tt.objId
order by f.objId
