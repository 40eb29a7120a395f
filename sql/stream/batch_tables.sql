-- Per connection: one decoded batch (stream/decode.py) and what store_batch.sql derives from it.
-- stream/store.py fills batchAlerts, batchSources and batchForced, then runs store_batch.sql.
create temp table if not exists batchAlerts (
    item integer not null, diaSourceId integer not null, diaObjectId integer, ssObjectId integer,
    visit integer, t real, band text, schemaVersion text, nPrvSources integer, nPrvForced integer,
    ra real, dec real, partition integer, "offset" integer
);
create temp table if not exists batchSources (
    diaSourceId integer not null, diaObjectId integer, visit integer, t real, band text,
    psfFlux real, psfFluxErr real, snr real, ra real, dec real
);
create temp table if not exists batchForced (
    diaForcedSourceId integer not null, diaObjectId integer, visit integer, t real, band text,
    psfFlux real, psfFluxErr real
);
create temp table if not exists newAlerts (
    diaSourceId integer primary key, item integer, diaObjectId integer, ssObjectId integer,
    visit integer, t real, band text, schemaVersion text, nPrvSources integer, nPrvForced integer,
    ra real, dec real, partition integer, "offset" integer
);
create temp table if not exists objMap (diaObjectId integer primary key, objId integer not null);
create temp table if not exists newSources (
    diaSourceId integer primary key, diaObjectId integer, visit integer, t real, band text,
    psfFlux real, psfFluxErr real, snr real, ra real, dec real
);
create temp table if not exists newForced (
    diaForcedSourceId integer primary key, diaObjectId integer, visit integer, t real, band text,
    psfFlux real, psfFluxErr real
);
create temp table if not exists photCandidates (
    objId integer not null, visit integer not null, kind integer not null, sourceId integer not null,
    t real not null, pb text not null, flux real not null, dflux real not null, rawPhotId integer,
    primary key (objId, visit)
);
create temp table if not exists touched (objId integer primary key);

delete from temp.batchAlerts;
delete from temp.batchSources;
delete from temp.batchForced;
delete from temp.newAlerts;
delete from temp.objMap;
delete from temp.newSources;
delete from temp.newForced;
delete from temp.photCandidates;
delete from temp.touched;
