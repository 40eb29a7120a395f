-- 003_gp: Gaussian-process interpolation of every object-band (make gp) and features derived from it.
-- Shipped migrations are never edited: add a new NNN_name.sql instead.

-- the GP posterior on an evenly spaced grid from the band's first to last observation:
-- one row per grid point (flux = posterior mean, flux_err = posterior standard deviation)
create table lcGP (
    objId    integer not null references objects (objId) on delete cascade,
    pb       text not null check (pb in ('u', 'g', 'r', 'i', 'z', 'y')),
    t        real not null,
    flux     real not null,
    flux_err real not null check (flux_err >= 0),
    primary key (objId, pb, t)
) without rowid;

-- one row per object and band that `make gp` looked at (every griz band, and u/y when observed).
-- A band with fewer than 3 points, or whose fit failed, has NULL values (nPoints stays).
-- rise/decline: time from half the peak (of the GP mean) to the peak and back; riseCensored = 1
-- when the mean never drops to half the peak before it (riseTime is then a lower limit).
create table lcGPFeats (
    objId                 integer not null references objects (objId) on delete cascade,
    pb                    text not null check (pb in ('u', 'g', 'r', 'i', 'z', 'y')),
    nPoints               integer not null check (nPoints >= 0),
    nGrid                 integer not null check (nGrid >= 0),   -- grid points asked for
    peakFlux              real,
    peakTime              real,
    riseTime              real,
    riseCensored          integer check (riseCensored in (0, 1)),
    declineTime           real,
    lengthScale           real,
    amplitude             real,
    logMarginalLikelihood real,
    chi2Red               real,
    converged             integer check (converged in (0, 1)),
    primary key (objId, pb)
) without rowid;
