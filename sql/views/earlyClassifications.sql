-- Every classification the stream made (predictionHistory, oldest first) with what was known when
-- it was made: the survey time (MJD of the object's latest measurement then), days since the
-- object's first detection, detections so far, and the object's true label (NULL when unknown).
-- Early classification is measured on it (the report's "Early classification" section).
--
-- The survey time is not stored with a classification; it is the nPoints-th of the object's
-- measurements (rawPhot, one per visit) in time order. That holds when alerts arrive in time order
-- (the directory source reads nightly files alerts_<MJD>.avro in name order): each alert brings the
-- visits up to its own, so the measurements seen form a prefix of the final ones. atAlert = 1 says
-- an alert of the object has that time (0 marks a classification the rule cannot place, such as after
-- out-of-order arrival). "First detection" is the first in the alert histories received: a packet
-- carries 12 months of history, so an object detected earlier has its first detection in that window.
-- Plain SQL (stock sqlite3 reads it).
drop view if exists earlyClassifications;
create view earlyClassifications as
with classified as (
    select distinct objId
    from predictionHistory
),

visits as (
    select
        r.objId,
        r.t,
        row_number() over (partition by r.objId order by r.t, r.id) as k
    from rawPhot as r
    join classified as c on c.objId = r.objId
),

history as (
    select
        h.historyId,
        h.objId,
        h.runId,
        h.label as predicted,
        h.score,
        h.nPoints,
        h.predictedAt,
        v.t as mjd
    from predictionHistory as h
    left join visits as v on v.objId = h.objId and v.k = h.nPoints
),

detectionsSoFar as (
    select
        h.historyId,
        count(s.diaSourceId) as nDetections,
        min(s.t) as firstDetectionMjd
    from history as h
    left join diaSources as s on s.objId = h.objId and s.t <= h.mjd
    group by h.historyId
),

final as (
    select
        h.historyId,
        h.runId,
        h.objId,
        o.dataset,
        o.name,
        l.label as trueLabel,
        h.predicted,
        case when l.label is null then null else l.label = h.predicted end as correct,
        h.score,
        h.predictedAt,
        h.nPoints,
        h.mjd,
        d.firstDetectionMjd,
        h.mjd - d.firstDetectionMjd as daysSinceFirstDetection,
        d.nDetections,
        case when a.diaSourceId is null then 0 else 1 end as atAlert
    from history as h
    join objects as o on o.objId = h.objId
    join detectionsSoFar as d on d.historyId = h.historyId
    left join lcLabels as l on l.objId = h.objId
    left join alerts as a on a.objId = h.objId and a.t = h.mjd
)

select * from final;
