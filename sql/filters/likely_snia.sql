-- Stream filter: likely type Ia supernovae: the chosen model's latest class is SNIa (label 0) with
-- a probability of at least :minScore (models that give SVM decision values pass on the class
-- alone), and the object has at least :minPoints griz points so the class rests on some data.
-- stream: true
-- deliver: jsonl
-- deliver: digest
-- correct: 0
-- :minScore = 0.6       smallest SNIa probability
-- :minPoints = 10       fewest griz observations
with points as (
    select s.objId, sum(s.n) as nGriz
    from lcBandStats as s
    join batchObjects as b on b.objId = s.objId
    where s.pb in ('g', 'r', 'i', 'z')
    group by s.objId
),

final as (
    select
        p.objId,
        p.className,
        round(p.score, 3) as score,
        p.scoreKind,
        n.nGriz
    from latestPredictions as p
    join points as n on n.objId = p.objId
    where p.label = 0
      and (p.scoreKind = 'decision' or p.score >= :minScore)
      and n.nGriz >= :minPoints
)

select * from final
