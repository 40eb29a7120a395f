-- objects without an alert in the batch (file data) are named by their latest rawPhot row
update temp.batchObjects
set alertKey = 'phot:' || coalesce((select max(r.id) from rawPhot as r where r.objId = batchObjects.objId), 0)
where alertKey is null
