-- the batch's temp tables a stream filter selects from (on the filter's read-only connection)
create temp table if not exists batchObjects (
    objId       integer primary key,   -- every object the batch touched
    diaSourceId integer,               -- its newest alert in the batch (null for file data)
    alertKey    text,                  -- 'dia:<diaSourceId>' or 'phot:<latest rawPhot id>'
    ra          real,
    dec         real,
    mjd         real
);
create temp table if not exists batchAlerts (
    diaSourceId integer primary key,   -- each alert of the batch
    objId       integer,
    ra          real,
    dec         real,
    mjd         real,
    band        text
);
delete from temp.batchObjects;
delete from temp.batchAlerts;
