-- 004_stream: the alert stream (stream/): Rubin alert packets, the detections and forced
-- measurements they carry, where each came from, and the stream's position in its source.
-- Shipped migrations are never edited: add a new NNN_name.sql instead.

-- one row per alert object (objects.name is the diaObjectId as text): its position on the sky,
-- that of the diaObject in the alert with the latest midpointMjdTai (positionMjd), so the order
-- alerts arrive in does not matter. A table beside objects, not new columns: objects keeps its shape.
create table diaObjects (
    objId       integer primary key references objects (objId) on delete cascade,
    diaObjectId integer not null,
    ra          real,
    dec         real,
    positionMjd real not null
);

create index diaObjects_dia on diaObjects (diaObjectId);

-- one row per alert packet ingested (replays are skipped: the diaSourceId is the packet's key)
create table alerts (
    diaSourceId    integer primary key,          -- the triggering detection
    objId          integer references objects (objId) on delete set null,  -- null: no diaObjectId (solar system)
    diaObjectId    integer,
    ssObjectId     integer,
    visit          integer not null,             -- visit (ccdVisitId before schema 7)
    t              real not null,                -- midpointMjdTai of the detection
    band           text,
    schemaVersion  text not null,                -- '11.1'
    dataset        text not null,
    source         text not null,                -- the directory or kafka://host:port/topic
    file           text,                         -- directory source: the container file's name
    partition      integer,                      -- Kafka source: partition and offset of the message
    "offset"       integer,
    nPrvSources    integer not null,
    nPrvForced     integer not null,
    receivedAt     text not null,                -- UTC, ISO 8601: when its batch arrived
    processedAt    text not null,                -- when its batch (features, classes) was committed
    latencySeconds real not null check (latencySeconds >= 0)
);

create index alerts_obj on alerts (objId);

-- every unique detection received (the triggering one and the prvDiaSources), once each
create table diaSources (
    diaSourceId integer primary key,
    objId       integer references objects (objId) on delete cascade,
    diaObjectId integer,
    visit       integer not null,
    t           real not null,
    band        text,
    psfFlux     real,                            -- nJy
    psfFluxErr  real,
    snr         real,
    ra          real,
    dec         real
);

create index diaSources_obj on diaSources (objId);

-- every unique forced measurement received (prvDiaForcedSources), once each
create table diaForcedSources (
    diaForcedSourceId integer primary key,
    objId             integer references objects (objId) on delete cascade,
    diaObjectId       integer,
    visit             integer not null,
    t                 real not null,
    band              text,
    psfFlux           real,                      -- nJy; null when the pipeline measured nothing
    psfFluxErr        real
);

create index diaForcedSources_obj on diaForcedSources (objId);

-- which measurement stands for each object and visit in rawPhot: the forced measurement of the
-- visit when one has arrived (kind 0), else the detection (kind 1); among equals the smallest id.
create table alertPhot (
    objId     integer not null references objects (objId) on delete cascade,
    visit     integer not null,
    kind      integer not null check (kind in (0, 1)),   -- 0 forced, 1 detection
    sourceId  integer not null,                          -- diaForcedSourceId or diaSourceId
    rawPhotId integer not null references rawPhot (id) on delete cascade,
    primary key (objId, visit)
) without rowid;

-- directory source: each container file once (status 'done' also when some of its alerts failed)
create table streamFiles (
    dataset      text not null,
    name         text not null,                 -- file name
    path         text not null,
    contentHash  text,
    sizeBytes    integer,
    status       text not null check (status in ('done', 'failed')),
    alerts       integer not null default 0,    -- alerts stored
    failed       integer not null default 0,    -- alerts recorded in streamFailures
    error        text,                          -- why the whole file failed
    doneAt       text not null,
    primary key (dataset, name)
) without rowid;

-- Kafka source: the next offset to read per topic and partition, committed with each batch
create table streamOffsets (
    topic      text not null,
    partition  integer not null,
    nextOffset integer not null check (nextOffset >= 0),
    updatedAt  text not null,
    primary key (topic, partition)
) without rowid;

-- alerts (or whole files) that could not be used, with the reason
create table streamFailures (
    failureId   integer primary key,
    dataset     text not null,
    source      text not null,
    file        text,
    partition   integer,
    "offset"    integer,
    item        integer,                         -- the record's index in its file
    diaSourceId integer,
    reason      text not null,
    failedAt    text not null
);

-- every classification the stream made, oldest first: predictions holds the latest per object and run
create table predictionHistory (
    historyId   integer primary key,
    objId       integer not null references objects (objId) on delete cascade,
    runId       integer not null references modelRuns (runId) on delete cascade,
    label       integer not null,
    score       real not null,
    scoreKind   text not null,
    scores      text not null check (json_valid(scores)),
    nPoints     integer not null,                -- rawPhot rows of the object when classified
    predictedAt text not null
);

create index predictionHistory_obj on predictionHistory (objId, runId);
