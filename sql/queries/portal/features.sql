-- the object's moment features
select *
from lcFeats
where objId = :objId
