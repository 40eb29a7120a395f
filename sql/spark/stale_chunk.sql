-- Of a chunk of imported results (:seen, a JSON array of [objId, contentHash]), the objects whose
-- features features/store.sql.j2 will NOT store: the object is gone, or its file is no longer the
-- one (contentHash) the features were computed from. Run in the same transaction as the store.
with seen as (
    select value ->> 0 as objId, value ->> 1 as contentHash
    from json_each(:seen)
)

select seen.objId
from seen
left join objects as o on o.objId = seen.objId
left join sourceFiles as s on s.fileId = o.fileId
where o.objId is null
   or s.contentHash is not seen.contentHash
order by seen.objId
