-- deliveries not yet done (new, or failed on an earlier batch), oldest first, with their match
select
    d.deliveryId,
    d.sink,
    d.target,
    m.matchId,
    m.filter,
    m.objId,
    o.name,
    o.dataset,
    m.diaSourceId,
    m.batch,
    m.matchedAt,
    m.payload
from deliveries as d
join filterMatches as m on m.matchId = d.matchId
join objects as o on o.objId = m.objId
where d.status != 'ok'
order by d.deliveryId
limit :limit
