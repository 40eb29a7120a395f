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
-- one pass over the touched objects' points finds the young candidates; the rest looks at those only
with summary as (
    select
        r.objId,
        max(r.t) as tLast,
        min(case when r.flux >= :snr * r.dflux then r.t end) as tFirst,
        sum(case when r.flux >= :snr * r.dflux then 1 else 0 end) as nDet
    from rawPhot as r
    join batchObjects as b on b.objId = r.objId
    group by r.objId
),

young as (
    select objId, tLast, tFirst, nDet
    from summary
    where tFirst is not null and tLast - tFirst <= :maxAge and nDet <= :maxDetections
),

phot as (
    select r.objId, r.t, r.pb, r.flux, r.dflux
    from rawPhot as r
    join young as y on y.objId = r.objId
),

detections as (
    select
        objId, t, pb, flux, dflux,
        row_number() over (partition by objId, pb order by t) as firstRank,
        row_number() over (partition by objId, pb order by t desc) as lastRank
    from phot
    where flux >= :snr * dflux
),

history as (
    select
        p.objId,
        sum(case when p.t < y.tFirst then 1 else 0 end) as nBefore,
        sum(case when p.t >= y.tFirst then 1 else 0 end) as nSince
    from phot as p
    join young as y on y.objId = p.objId
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
        y.objId,
        round(y.tLast - y.tFirst, 2) as ageDays,
        y.nDet,
        r.pb as band,
        round(max(r.riseSigma), 1) as riseSigma
    from young as y
    join rise as r on r.objId = y.objId
    join history as h on h.objId = y.objId
    where h.nBefore >= :minQuiet
      and y.nDet >= :minDetFraction * h.nSince
      and r.riseSigma >= :riseSigma
      and r.tLastDet >= y.tLast - :recent
    group by y.objId
)

select * from final
