-- 001_core: light-curve storage, provenance, features and labels.
-- Shipped migrations are never edited: add a new NNN_name.sql instead.

-- one row per file the loader has seen (loaded, failed or duplicate), keyed by dataset and name
create table sourceFiles (
    fileId       integer primary key,
    dataset      text not null,
    name         text not null,              -- file name without extension: FAKE010.dat -> FAKE010
    path         text not null,              -- absolute path at load time
    contentHash  text,                       -- sha256 of the bytes; null when the file could not be read
    sizeBytes    integer,
    status       text not null check (status in ('loaded', 'failed', 'duplicate')),
    error        text,                       -- why a file failed, or which file it duplicates
    rowsLoaded   integer not null default 0 check (rowsLoaded >= 0),
    rowsRejected integer not null default 0 check (rowsRejected >= 0),
    loadedAt     text not null,              -- UTC, ISO 8601
    unique (dataset, name)
);

create index sourceFiles_hash on sourceFiles (dataset, contentHash);

create table objects (
    objId   integer primary key,
    dataset text not null,
    name    text not null,
    fileId  integer references sourceFiles (fileId) on delete set null,
    unique (dataset, name)
);

-- every #key:value header line of the object's file, in file order
create table objectHeaders (
    objId integer not null references objects (objId) on delete cascade,
    line  integer not null,
    key   text not null,
    value text not null,
    primary key (objId, line)
);

-- all observations, u and y included: the raw table is raw
create table rawPhot (
    id    integer primary key,
    objId integer not null references objects (objId) on delete cascade,
    t     real not null check (typeof(t) = 'real' and abs(t) <= 1.7976931348623157e308),
    pb    text not null check (pb in ('u', 'g', 'r', 'i', 'z', 'y')),
    flux  real not null check (typeof(flux) = 'real' and abs(flux) <= 1.7976931348623157e308),
    dflux real not null check (typeof(dflux) = 'real' and dflux > 0 and dflux <= 1.7976931348623157e308)
);

create index rawPhot_obj_pb on rawPhot (objId, pb);

-- rawPhot packed per object and band, written by the loader in the same transaction as the rows:
-- t, flux, dflux as little-endian float64 arrays sorted by t (then file order). Derived data that
-- lets features run on whole arrays instead of one Python call per row; rawPhot stays the truth.
create table lcBands (
    objId integer not null references objects (objId) on delete cascade,
    pb    text not null,
    n     integer not null check (n > 0),
    t     blob not null check (length(t) = 8 * n),
    flux  blob not null check (length(flux) = 8 * n),
    dflux blob not null check (length(dflux) = 8 * n),
    primary key (objId, pb)
);

-- one row per input line that did not become a rawPhot row
create table rejects (
    rejectId integer primary key,
    fileId   integer not null references sourceFiles (fileId) on delete cascade,
    line     integer not null,               -- 1-based line number in the file
    text     text not null,                  -- the line as read (long lines are cut, see reason)
    reason   text not null
);

create index rejects_file on rejects (fileId, line);

-- moment features per griz band and mean colours (names and order as in the original exercise)
create table lcFeats (
    objId   integer primary key references objects (objId) on delete cascade,
    gStd    real, rStd    real, iStd    real, zStd    real,
    gAmp    real, rAmp    real, iAmp    real, zAmp    real,
    gMAD    real, rMAD    real, iMAD    real, zMAD    real,
    gBeyond real, rBeyond real, iBeyond real, zBeyond real,
    gSkew   real, rSkew   real, iSkew   real, zSkew   real,
    gMinusR real, rMinusI real, iMinusZ real
);

-- per object and band: the weighted mean flux and point count behind lcFeats
create table lcBandStats (
    objId integer not null references objects (objId) on delete cascade,
    pb    text not null,
    n     integer not null,
    wMean real,
    primary key (objId, pb)
) without rowid;

create table lcLabels (
    objId  integer primary key references objects (objId) on delete cascade,
    label  integer not null,
    source text not null default 'header'   -- 'header' (#label:) or the labels CSV path
);
