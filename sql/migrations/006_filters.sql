-- 006_filters: stream filters, their matches, watchlists and their hits, and deliveries.
-- Independent of the stream's tables (004): a filter match names an alert by diaSourceId when it
-- came from one, else by the object's latest rawPhot row (alertKey), so file datasets work too.
-- Shipped migrations are never edited: add a new NNN_name.sql instead.

-- class names of the integer labels, for latestPredictions. Migration 005 (science) creates the same
-- table and fills it (#type: headers, the simulator's class table, a CSV); this only makes sure it exists.
create table if not exists classNames (
    label  integer primary key,
    name   text not null check (length(name) > 0),
    source text not null
);

-- batches the stream committed whose filters have not run yet: written in the stream's batch
-- transaction, deleted in the filters' one, so a kill in between is caught up at the next batch
create table filterQueue (
    batch    text primary key,
    touched  text not null check (json_valid(touched)),   -- JSON array of objIds
    alerts   text not null check (json_valid(alerts)),    -- JSON array of the batch's new alerts
    queuedAt text not null
);

-- one row per stream filter per batch it ran on: how it went
create table filterRuns (
    filterRunId integer primary key,
    batch       text not null,                -- the batch's id (file name, offsets, or a backtest night)
    filter      text not null,                -- file name without .sql
    fileHash    text,                         -- sha256 of the filter file that ran
    status      text not null check (status in ('ok', 'error', 'timeout', 'invalid')),
    error       text,                         -- one line: what went wrong
    nMatches    integer not null default 0,   -- new matches stored
    seconds     real not null,
    ranAt       text not null                 -- UTC, ISO 8601
);

create index filterRuns_filter on filterRuns (filter, ranAt);

-- an object passing a filter on an alert; the same object on a later, new alert is a new match
create table filterMatches (
    matchId     integer primary key,
    filter      text not null,
    objId       integer not null references objects (objId) on delete cascade,
    alertKey    text not null,                -- 'dia:<diaSourceId>' or 'phot:<latest rawPhot id>'
    diaSourceId integer,                      -- null for objects from files
    batch       text not null,
    matchedAt   text not null,
    payload     text not null check (json_valid(payload)),   -- the filter's selected columns
    unique (filter, objId, alertKey)
);

create index filterMatches_obj on filterMatches (objId);

-- named lists of sky positions with a match radius each
create table watchlists (
    name      text primary key,
    path      text not null,                  -- the CSV it was loaded from
    nSources  integer not null check (nSources > 0),
    maxRadius real not null check (maxRadius > 0),   -- arcsec, the largest source radius
    loadedAt  text not null
);

-- sources, indexed by declination zone (zone = floor((dec + 90) / zoneHeight), see filters/watchlist.py)
create table watchlistSources (
    watchlist text not null references watchlists (name) on delete cascade on update cascade,
    line      integer not null,               -- CSV line number
    source    text not null,
    ra        real not null check (ra >= 0 and ra < 360),
    dec       real not null check (dec between -90 and 90),
    radius    real not null check (radius > 0),   -- arcsec
    zone      integer not null,
    primary key (watchlist, line)
) without rowid;

create index watchlistSources_zone on watchlistSources (watchlist, zone, ra);

-- an alert (or an object's position) within a watchlist source's radius
create table watchlistHits (
    watchlist   text not null references watchlists (name) on delete cascade on update cascade,
    source      text not null,
    objId       integer not null references objects (objId) on delete cascade,
    diaSourceId integer,
    alertKey    text not null,
    separation  real not null,                -- arcsec
    batch       text not null,
    hitAt       text not null,
    primary key (watchlist, source, alertKey)
) without rowid;

create index watchlistHits_obj on watchlistHits (objId);

-- every attempt to hand a match to a sink: at least once, retried while not ok
create table deliveries (
    deliveryId    integer primary key,
    matchId       integer not null references filterMatches (matchId) on delete cascade,
    sink          text not null check (sink in ('jsonl', 'http', 'kafka', 'digest')),
    target        text not null,              -- file, URL, topic
    status        text not null check (status in ('pending', 'ok', 'error')),
    attempts      integer not null default 0,
    error         text,
    createdAt     text not null,
    lastAttemptAt text,
    deliveredAt   text,
    unique (matchId, sink, target)
);

create index deliveries_pending on deliveries (status, sink, target) where status != 'ok';
