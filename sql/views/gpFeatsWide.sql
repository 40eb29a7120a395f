-- One row per object with GP features (make gp): per griz band the GP peak flux and time, rise and
-- decline time, fitted length scale and reduced chi-square (NULL where a band had < 3 points).
-- Peak-time lags between bands (gPeakLag = gPeakTime - rPeakTime, ...) are relative, unlike MJDs.
drop view if exists gpFeatsWide;
create view gpFeatsWide as
with g as (select * from lcGPFeats where pb = 'g'),
r as (select * from lcGPFeats where pb = 'r'),
i as (select * from lcGPFeats where pb = 'i'),
z as (select * from lcGPFeats where pb = 'z'),

final as (
    select
        o.objId,
        g.peakFlux as gPeakFlux, r.peakFlux as rPeakFlux, i.peakFlux as iPeakFlux, z.peakFlux as zPeakFlux,
        g.peakTime as gPeakTime, r.peakTime as rPeakTime, i.peakTime as iPeakTime, z.peakTime as zPeakTime,
        g.riseTime as gRiseTime, r.riseTime as rRiseTime, i.riseTime as iRiseTime, z.riseTime as zRiseTime,
        g.declineTime as gDeclineTime, r.declineTime as rDeclineTime,
        i.declineTime as iDeclineTime, z.declineTime as zDeclineTime,
        g.lengthScale as gLengthScale, r.lengthScale as rLengthScale,
        i.lengthScale as iLengthScale, z.lengthScale as zLengthScale,
        g.chi2Red as gChi2Red, r.chi2Red as rChi2Red, i.chi2Red as iChi2Red, z.chi2Red as zChi2Red,
        g.peakTime - r.peakTime as gPeakLag,
        i.peakTime - r.peakTime as iPeakLag,
        z.peakTime - r.peakTime as zPeakLag
    from objects as o
    left join g on g.objId = o.objId
    left join r on r.objId = o.objId
    left join i on i.objId = o.objId
    left join z on z.objId = o.objId
    where exists (select 1 from lcGPFeats as f where f.objId = o.objId)
)

select * from final;
