-- 005_science: honest scores (repeated cross-validation beside the exercise's single split),
-- per-object cross-validation outcomes, class names, and the period/shape features.
-- Shipped migrations are never edited: add a new NNN_name.sql instead.

-- repeated stratified k-fold (cvRepeats x nFolds splits, fixed seed): mean and sample standard
-- deviation of the per-split balanced accuracy, and per-class recall pooled over every split;
-- NULL for runs trained before this migration
alter table modelRuns add column cvRepeats integer check (cvRepeats is null or cvRepeats >= 1);
alter table modelRuns add column cvBalancedAccuracyMean real
    check (cvBalancedAccuracyMean is null or cvBalancedAccuracyMean between 0 and 1);
alter table modelRuns add column cvBalancedAccuracyStd real
    check (cvBalancedAccuracyStd is null or cvBalancedAccuracyStd >= 0);
alter table modelRuns add column cvRecall text check (cvRecall is null or json_valid(cvRecall));  -- {"class": recall}

-- per run and training object: how often the repeated cross-validation tested it, how often it was
-- wrong, and what it was predicted as ({"class": times}); the objects a model always gets wrong
create table cvObjectOutcomes (
    runId       integer not null references modelRuns (runId) on delete cascade,
    objId       integer not null references objects (objId) on delete cascade,
    label       integer not null,
    nTested     integer not null check (nTested >= 1),
    nWrong      integer not null check (nWrong between 0 and nTested),
    predictions text not null check (json_valid(predictions)),
    primary key (runId, objId)
) without rowid;

create index cvObjectOutcomes_obj on cvObjectOutcomes (objId);

-- class names: labels stay integers in lcLabels; this says what each integer means. Filled from
-- `#type:` headers of labelled files (source 'header'), the simulator's class table ('simulator')
-- or a CSV (its path); a CSV or the simulator replaces a header-derived name, not the other way round
create table classNames (
    label  integer primary key,
    name   text not null check (length(name) > 0),
    source text not null
);

-- period and shape features (udf/period.py), computed by make features beside lcFeats; a band
-- without points has NObs = 0 and NULL features, a band with fewer than 5 points NULL periods
create table lcPeriodFeats (
    objId       integer primary key references objects (objId) on delete cascade,
    gNObs integer not null, rNObs integer not null, iNObs integer not null, zNObs integer not null,  -- points in the band
    gPeriod real, rPeriod real, iPeriod real, zPeriod real,  -- best Lomb-Scargle period, days
    gPeriodPower real, rPeriodPower real, iPeriodPower real, zPeriodPower real,  -- Lomb-Scargle power at it (standard normalisation, 0..1)
    gMeanNorm real, rMeanNorm real, iMeanNorm real, zMeanNorm real,  -- weighted mean flux / largest |weighted mean| of the bands
    gPeakSNR real, rPeakSNR real, iPeakSNR real, zPeakSNR real,  -- max flux/dflux
    period      real,   -- multiband: bands normalised and pooled
    periodPower   real,
    duration    real,   -- last - first observation (g, r, i, z), days
    detDuration real    -- last - first detection (flux/dflux >= 5), days
);


-- GP fits a person should not trust (computed columns, readable by the stock sqlite3 shell): a fit
-- that ended on a bound of its amplitude (1e-5, 1e5 flux^2) or length scale (1, 20 days), and a fit
-- whose reduced chi2 against the observations exceeds 5; NULL for bands make gp did not fit
alter table lcGPFeats add column atBound integer generated always as (
    case
        when lengthScale is null or amplitude is null then null
        when lengthScale <= 1.0 * (1 + 1e-6) or lengthScale >= 20.0 * (1 - 1e-6)
          or amplitude <= 1e-5 * (1 + 1e-6) or amplitude >= 1e5 * (1 - 1e-6) then 1
        else 0
    end
) virtual;
alter table lcGPFeats add column badFit integer generated always as (
    case when chi2Red is null then null when chi2Red > 5 then 1 else 0 end
) virtual;
