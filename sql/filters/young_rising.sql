-- Stream filter: young rising transients. The first significant detection is at most :maxAge days
-- before the object's latest measurement, there are few detections so far, and in some band the
-- latest detection is brighter than that band's first detection by :riseSigma standard errors and
-- came in the last :recent days. The object was measured and not detected at least :minQuiet
-- times before (so the first detection is not just the start of the survey), and since the first
-- detection at least :minDetFraction of its measurements are detections (a faint variable
-- flickering around the threshold is not). Works on difference fluxes: a variable star detected
-- for years is not young, a constant star is never detected.
-- stream: true
-- deliver: jsonl
-- correct: 0,1
-- :snr = 5              a detection has flux / dflux at least this
-- :maxAge = 30          days from the first detection to the latest measurement, at most
-- :maxDetections = 20   detections so far, at most
-- :riseSigma = 3        rise from the band's first to its latest detection, in standard errors
-- :recent = 5           the latest detection is at most this many days old
-- :minQuiet = 5         measurements without detection before the first one, at least
-- :minDetFraction = 0.5 detections / measurements since the first detection, at least
with phot as (
    select r.objId, r.t, r.pb, r.flux, r.dflux
    from rawPhot as r
    join batchObjects as b on b.objId = r.objId
),

latest as (
    select objId, max(t) as tLast
    from phot
    group by objId
),

detections as (
    select
        objId, t, pb, flux, dflux,
        row_number() over (partition by objId, pb order by t) as firstRank,
        row_number() over (partition by objId, pb order by t desc) as lastRank
    from phot
    where flux >= :snr * dflux
),

per_object as (
    select objId, min(t) as tFirst, count(*) as nDet
    from detections
    group by objId
),

history as (
    select
        p.objId,
        sum(p.t < o.tFirst) as nBefore,
        sum(p.t >= o.tFirst) as nSince
    from phot as p
    join per_object as o on o.objId = p.objId
    group by p.objId
),

rise as (
    select
        f.objId,
        f.pb,
        l.t as tLastDet,
        (l.flux - f.flux) / sqrt(l.dflux * l.dflux + f.dflux * f.dflux) as riseSigma
    from detections as f
    join detections as l on l.objId = f.objId and l.pb = f.pb and l.lastRank = 1
    where f.firstRank = 1 and l.t > f.t
),

final as (
    select
        o.objId,
        round(x.tLast - o.tFirst, 2) as ageDays,
        o.nDet,
        r.pb as band,
        round(max(r.riseSigma), 1) as riseSigma
    from per_object as o
    join latest as x on x.objId = o.objId
    join rise as r on r.objId = o.objId
    join history as h on h.objId = o.objId
    where x.tLast - o.tFirst <= :maxAge
      and h.nBefore >= :minQuiet
      and o.nDet >= :minDetFraction * h.nSince
      and o.nDet <= :maxDetections
      and r.riseSigma >= :riseSigma
      and r.tLastDet >= x.tLast - :recent
    group by o.objId
)

select * from final
