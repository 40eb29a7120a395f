-- the batch's new alerts, last step of its transaction (processedAt: just before the commit)
insert into alerts (diaSourceId, objId, diaObjectId, ssObjectId, visit, t, band, schemaVersion, dataset, source,
                    file, partition, "offset", nPrvSources, nPrvForced, receivedAt, processedAt, latencySeconds)
select n.diaSourceId, m.objId, n.diaObjectId, n.ssObjectId, n.visit, n.t, n.band, n.schemaVersion, :dataset,
       :source, :file, n.partition, n."offset", n.nPrvSources, n.nPrvForced, :receivedAt, :processedAt,
       :latencySeconds
from temp.newAlerts as n
left join temp.objMap as m on m.diaObjectId = n.diaObjectId
order by n.item
