-- Stream filter: large-amplitude variables. The peak-to-peak difference flux in a band, in units of
-- that band's mean error, is at least :minSigma in at least :minBands griz bands, and significant
-- detections (|flux| >= :snr dflux) span at least :minSpan days: variable for seasons, unlike a
-- supernova. Not an amplitude divided by the mean difference flux, which is near zero for most
-- variables and makes any noisy source look huge.
-- stream: true
-- deliver: jsonl
-- correct: 2,3,4
-- :minSigma = 15     peak-to-peak / mean dflux in a band, at least
-- :minBands = 2      griz bands that must pass
-- :snr = 5           a detection has |flux| / dflux at least this
-- :minSpan = 300     days between the first and last detection, at least
-- :minPoints = 20    fewest griz points
with phot as (
    select r.objId, r.t, r.pb, r.flux, r.dflux
    from rawPhot as r
    join batchObjects as b on b.objId = r.objId
    where r.pb in ('g', 'r', 'i', 'z')
),

bands as (
    select objId, pb, (max(flux) - min(flux)) / avg(dflux) as p2pSigma, count(*) as n
    from phot
    group by objId, pb
),

spans as (
    select objId, max(t) - min(t) as detSpan
    from phot
    where abs(flux) >= :snr * dflux
    group by objId
),

final as (
    select
        b.objId,
        round(max(b.p2pSigma), 1) as maxP2pSigma,
        sum(b.p2pSigma >= :minSigma) as nBands,
        round(s.detSpan, 1) as detSpanDays,
        sum(b.n) as nGriz
    from bands as b
    join spans as s on s.objId = b.objId
    group by b.objId
    having nBands >= :minBands and detSpanDays >= :minSpan and nGriz >= :minPoints
)

select * from final
