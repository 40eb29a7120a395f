-- Every feature column of every feature set (lcFeats, GP features, period features), one row per
-- object with lcFeats: what make predict and make anomalies read before keeping a run's columns.
drop view if exists objectFeaturesAll;
create view objectFeaturesAll as
with final as (
    select
        g.*,
        p.gNObs, p.rNObs, p.iNObs, p.zNObs,
        p.gPeriod, p.rPeriod, p.iPeriod, p.zPeriod,
        p.gPeriodPower, p.rPeriodPower, p.iPeriodPower, p.zPeriodPower,
        p.gMeanNorm, p.rMeanNorm, p.iMeanNorm, p.zMeanNorm,
        p.gPeakSNR, p.rPeakSNR, p.iPeakSNR, p.zPeakSNR,
        p.period, p.periodPower, p.duration, p.detDuration
    from objectFeaturesGP as g
    left join lcPeriodFeats as p on p.objId = g.objId
)

select * from final;
