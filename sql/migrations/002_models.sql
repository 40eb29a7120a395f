-- 002_models: what the model module decides: training runs and their cross-validation scores,
-- the fitted models, predictions and anomaly scores. Everything an analyst may want to query.
-- Shipped migrations are never edited: add a new NNN_name.sql instead.

-- one row per `make train`: the objects, feature columns and folds all its candidates share
create table trainings (
    trainingId  integer primary key,
    dataset     text,                     -- null: the labelled objects of every dataset
    nObjects    integer not null check (nObjects > 0),
    nFolds      integer not null check (nFolds >= 2),
    features    text not null check (json_valid(features)),   -- JSON array of feature columns
    missingRule text not null,            -- how NULL and -999 were handled (model/matrix.py)
    createdAt   text not null             -- UTC, ISO 8601
);

-- the training objects, their labels and the (0-based) cross-validation fold each was tested in
create table trainingFolds (
    trainingId integer not null references trainings (trainingId) on delete cascade,
    objId      integer not null references objects (objId) on delete cascade,
    label      integer not null,
    fold       integer not null check (fold >= 0),
    primary key (trainingId, objId)
) without rowid;

create index trainingFolds_obj on trainingFolds (objId);

-- one row per candidate model of a training: cross-validated scores, timings, provenance
create table modelRuns (
    runId                   integer primary key,
    trainingId              integer not null references trainings (trainingId) on delete cascade,
    model                   text not null,        -- 'svm', 'rf', 'gb', 'svmScaled' (model/candidates.py)
    params                  text not null check (json_valid(params)),
    cvAccuracy              real not null check (cvAccuracy between 0 and 1),
    cvBalancedAccuracy      real not null check (cvBalancedAccuracy between 0 and 1),
    fitSeconds              real not null check (fitSeconds >= 0),              -- mean over the folds
    predictSecondsPerObject real not null check (predictSecondsPerObject >= 0), -- over all test objects
    finalFitSeconds         real not null check (finalFitSeconds >= 0),         -- the stored model, all objects
    chosen                  integer not null default 0 check (chosen in (0, 1)),
    dataset                 text,                 -- training dataset (null: every dataset)
    nObjects                integer not null,
    features                text not null check (json_valid(features)),
    classes                 text not null check (json_valid(classes)),          -- JSON array, model order
    libraries               text not null check (json_valid(libraries)),        -- name -> version
    modelSha256             text not null check (length(modelSha256) = 64),     -- of models.bytes
    createdAt               text not null,
    unique (trainingId, model)
);

-- the stated rule picks exactly one model per training
create unique index modelRuns_one_chosen on modelRuns (trainingId) where chosen = 1;

-- per-fold scores beside each run
create table modelFolds (
    runId            integer not null references modelRuns (runId) on delete cascade,
    fold             integer not null check (fold >= 0),
    nTrain           integer not null,
    nTest            integer not null check (nTest > 0),
    accuracy         real not null check (accuracy between 0 and 1),
    balancedAccuracy real not null check (balancedAccuracy between 0 and 1),
    fitSeconds       real not null,
    predictSeconds   real not null,
    params           text check (params is null or json_valid(params)),  -- hyperparameters tuned in this fold
    primary key (runId, fold)
) without rowid;

-- the fitted model (all training objects) of each run; loaded only when its sha256 matches modelRuns
create table models (
    runId     integer primary key references modelRuns (runId) on delete cascade,
    format    text not null check (format = 'pickle'),
    sizeBytes integer not null check (sizeBytes > 0),
    bytes     blob not null
);

-- one row per object and run; re-running a prediction replaces the run's rows
create table predictions (
    objId       integer not null references objects (objId) on delete cascade,
    runId       integer not null references modelRuns (runId) on delete cascade,
    label       integer not null,
    score       real not null,            -- scores[label]: the predicted class's probability or decision value
    scoreKind   text not null check (scoreKind in ('probability', 'decision')),
    scores      text not null check (json_valid(scores)),   -- {"class": probability or decision value}
    predictedAt text not null,
    primary key (objId, runId)
) without rowid;

create index predictions_run on predictions (runId);

-- one IsolationForest run per dataset (re-running replaces it)
create table anomalyRuns (
    anomalyRunId integer primary key autoincrement,   -- never reused: an old id stays dead
    dataset      text not null unique,
    model        text not null,
    params       text not null check (json_valid(params)),
    features     text not null check (json_valid(features)),
    libraries    text not null check (json_valid(libraries)),
    nObjects     integer not null check (nObjects > 0),
    seconds      real not null,
    createdAt    text not null
);

-- score: -IsolationForest.score_samples, the anomaly score of Liu et al. in (0, 1]; higher is stranger
create table anomalies (
    anomalyRunId integer not null references anomalyRuns (anomalyRunId) on delete cascade,
    objId        integer not null references objects (objId) on delete cascade,
    score        real not null,
    rank         integer not null check (rank >= 1),            -- 1 = most anomalous
    primary key (anomalyRunId, objId),
    unique (anomalyRunId, rank)
) without rowid;

create index anomalies_obj on anomalies (objId);
