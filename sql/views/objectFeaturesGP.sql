-- objectFeatures with the GP features beside them (the optional feature set "gp"): one row per
-- object with lcFeats; the GP columns are NULL for objects make gp has not done yet.
-- Absolute peak times (MJD) are left out: only the lags between bands carry information.
drop view if exists objectFeaturesGP;
create view objectFeaturesGP as
with final as (
    select
        f.*,
        w.gPeakFlux, w.rPeakFlux, w.iPeakFlux, w.zPeakFlux,
        w.gRiseTime, w.rRiseTime, w.iRiseTime, w.zRiseTime,
        w.gDeclineTime, w.rDeclineTime, w.iDeclineTime, w.zDeclineTime,
        w.gLengthScale, w.rLengthScale, w.iLengthScale, w.zLengthScale,
        w.gChi2Red, w.rChi2Red, w.iChi2Red, w.zChi2Red,
        w.gPeakLag, w.iPeakLag, w.zPeakLag
    from objectFeatures as f
    left join gpFeatsWide as w on w.objId = f.objId
)

select * from final;
