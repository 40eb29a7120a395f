-- Early classification per bin and true class: the stream's classifications of labelled objects by
-- run :runId (earlyClassifications, placed at an alert), binned by days since first detection
-- (:axis = 'days') or by detections so far (:axis = 'detections'; bins [lo, hi)). Per bin and class:
-- classifications, objects and recall; per bin: balanced accuracy, the mean recall over the classes
-- present in the bin (scikit-learn's balanced_accuracy_score on the bin's classifications).
with bins (axis, bin, lo, hi, binLabel) as (
    values
        ('days', 1, 0.0, 1.0, '0-1 d'),
        ('days', 2, 1.0, 3.0, '1-3 d'),
        ('days', 3, 3.0, 7.0, '3-7 d'),
        ('days', 4, 7.0, 14.0, '7-14 d'),
        ('days', 5, 14.0, 30.0, '14-30 d'),
        ('days', 6, 30.0, 60.0, '30-60 d'),
        ('days', 7, 60.0, 120.0, '60-120 d'),
        ('days', 8, 120.0, 1e9, '120+ d'),
        ('detections', 1, 1.0, 2.0, '1'),
        ('detections', 2, 2.0, 3.0, '2'),
        ('detections', 3, 3.0, 4.0, '3'),
        ('detections', 4, 4.0, 6.0, '4-5'),
        ('detections', 5, 6.0, 11.0, '6-10'),
        ('detections', 6, 11.0, 21.0, '11-20'),
        ('detections', 7, 21.0, 51.0, '21-50'),
        ('detections', 8, 51.0, 1e9, '51+')
),

placed as (
    select
        e.objId,
        e.trueLabel,
        e.correct,
        case when :axis = 'days' then e.daysSinceFirstDetection else e.nDetections end as x
    from earlyClassifications as e
    where e.runId = :runId
      and e.trueLabel is not null
      and e.atAlert = 1
),

binned as (
    select b.bin, b.lo, b.hi, b.binLabel, p.objId, p.trueLabel, p.correct
    from placed as p
    join bins as b on b.axis = :axis and p.x >= b.lo and p.x < b.hi
),

perClass as (
    select
        bin,
        lo,
        hi,
        binLabel,
        trueLabel,
        count(*) as n,
        count(distinct objId) as nObjects,
        avg(correct) as recall
    from binned
    group by bin, lo, hi, binLabel, trueLabel
),

final as (
    select
        bin,
        lo,
        hi,
        binLabel,
        trueLabel,
        n,
        nObjects,
        recall,
        sum(n) over (partition by bin) as binN,
        avg(recall) over (partition by bin) as balancedAccuracy
    from perClass
)

select * from final
order by bin, trueLabel
