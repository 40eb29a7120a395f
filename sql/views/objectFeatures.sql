-- One row per object with features: its dataset, name, label (NULL when unlabelled) and lcFeats.
-- Plain SQL (no MiniBroker functions), so the stock sqlite3 shell can read it.
drop view if exists objectFeatures;
create view objectFeatures as
with labelled as (
    select objId, label from lcLabels
),

final as (
    select
        o.objId,
        o.dataset,
        o.name,
        labelled.label,
        f.gStd, f.rStd, f.iStd, f.zStd,
        f.gAmp, f.rAmp, f.iAmp, f.zAmp,
        f.gMAD, f.rMAD, f.iMAD, f.zMAD,
        f.gBeyond, f.rBeyond, f.iBeyond, f.zBeyond,
        f.gSkew, f.rSkew, f.iSkew, f.zSkew,
        f.gMinusR, f.rMinusI, f.iMinusZ
    from objects as o
    join lcFeats as f on f.objId = o.objId
    left join labelled on labelled.objId = o.objId
)

select * from final;
