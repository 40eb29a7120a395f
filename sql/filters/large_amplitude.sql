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
with bands as (
    select
        r.objId,
        r.pb,
        (max(r.flux) - min(r.flux)) / avg(r.dflux) as p2pSigma,
        count(*) as n,
        min(case when abs(r.flux) >= :snr * r.dflux then r.t end) as tDetFirst,
        max(case when abs(r.flux) >= :snr * r.dflux then r.t end) as tDetLast
    from rawPhot as r
    join batchObjects as b on b.objId = r.objId
    where r.pb in ('g', 'r', 'i', 'z')
    group by r.objId, r.pb
),

final as (
    select
        objId,
        round(max(p2pSigma), 1) as maxP2pSigma,
        sum(p2pSigma >= :minSigma) as nBands,
        round(max(tDetLast) - min(tDetFirst), 1) as detSpanDays,
        sum(n) as nGriz
    from bands
    group by objId
    having nBands >= :minBands and detSpanDays >= :minSpan and nGriz >= :minPoints
)

select * from final
