-- Saved selection: objects whose light curve varies strongly in some griz band.
-- Amplitude is lcFeats' normalised amplitude (max flux - min flux) / weighted mean flux, which is
-- large for transients rising out of the background; needs make features first.
-- :minAmp = 2.0      smallest largest-band amplitude to list
-- :minPoints = 10    fewest griz observations an object must have
-- :dataset = %       dataset name (SQL LIKE pattern; % for all)
-- :top = 50          most rows to show
with amps as (
    select
        o.objId,
        o.dataset,
        o.name,
        max(
            coalesce(abs(f.gAmp), 0), coalesce(abs(f.rAmp), 0),
            coalesce(abs(f.iAmp), 0), coalesce(abs(f.zAmp), 0)
        ) as maxAmp,
        f.gAmp,
        f.rAmp,
        f.iAmp,
        f.zAmp
    from lcFeats as f
    join objects as o on o.objId = f.objId
    where o.dataset like :dataset
),

points as (
    select objId, sum(n) as nGriz
    from lcBandStats
    where pb in ('g', 'r', 'i', 'z')
    group by objId
)

select
    a.dataset,
    a.name,
    round(a.maxAmp, 3) as maxAmp,
    round(a.gAmp, 3) as gAmp,
    round(a.rAmp, 3) as rAmp,
    round(a.iAmp, 3) as iAmp,
    round(a.zAmp, 3) as zAmp,
    p.nGriz
from amps as a
join points as p on p.objId = a.objId
where a.maxAmp >= :minAmp and p.nGriz >= :minPoints
order by a.maxAmp desc, a.dataset, a.name
limit :top
