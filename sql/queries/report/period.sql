-- the best period (days) of one object from make features: multiband, else the strongest band's
with bands as (
    select objId, gPeriod as p, gPeriodPower as power from lcPeriodFeats where objId = :objId
    union all select objId, rPeriod, rPeriodPower from lcPeriodFeats where objId = :objId
    union all select objId, iPeriod, iPeriodPower from lcPeriodFeats where objId = :objId
    union all select objId, zPeriod, zPeriodPower from lcPeriodFeats where objId = :objId
),
strongest as (
    select p from bands where p > 0 order by power desc limit 1
),
final as (
    select coalesce((select period from lcPeriodFeats where objId = :objId and period > 0),
                    (select p from strongest)) as period
)
select period from final
