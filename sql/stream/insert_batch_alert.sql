insert into temp.batchAlerts (item, diaSourceId, diaObjectId, ssObjectId, visit, t, band, schemaVersion,
                              nPrvSources, nPrvForced, ra, dec, partition, "offset")
values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
