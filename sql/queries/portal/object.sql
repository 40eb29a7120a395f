-- one object by dataset and name, with its file's provenance and its known label (no row: unknown)
select
    o.objId,
    o.dataset,
    o.name,
    l.label,
    l.source as labelSource,
    s.fileId,
    s.path,
    s.contentHash,
    s.sizeBytes,
    s.status,
    s.error,
    s.rowsLoaded,
    s.rowsRejected,
    s.loadedAt
from objects as o
left join lcLabels as l on l.objId = o.objId
left join sourceFiles as s on s.fileId = o.fileId
where o.dataset = :dataset and o.name = :name
