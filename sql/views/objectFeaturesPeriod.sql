-- objectFeatures with the period and shape features beside them (the feature set "period"): one row
-- per object with lcFeats; the lcPeriodFeats columns (udf/period.py) are NULL until make features
-- has computed them. Plain SQL: the stock sqlite3 shell reads it.
drop view if exists objectFeaturesPeriod;
create view objectFeaturesPeriod as
with final as (
    select
        f.*,
        p.gNObs, p.rNObs, p.iNObs, p.zNObs,
        p.gPeriod, p.rPeriod, p.iPeriod, p.zPeriod,
        p.gPeriodPower, p.rPeriodPower, p.iPeriodPower, p.zPeriodPower,
        p.gMeanNorm, p.rMeanNorm, p.iMeanNorm, p.zMeanNorm,
        p.gPeakSNR, p.rPeakSNR, p.iPeakSNR, p.zPeakSNR,
        p.period, p.periodPower, p.duration, p.detDuration
    from objectFeatures as f
    left join lcPeriodFeats as p on p.objId = f.objId
)

select * from final;
