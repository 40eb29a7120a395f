-- the batch's changed objects with their lcFeats and lcPeriodFeats columns (objectFeaturesPeriod, the
-- widest feature set the stream computes per batch), for stream/classify.py
select f.*
from temp.touched as tt
join objectFeaturesPeriod as f on f.objId = tt.objId
order by f.objId
