-- the source's measurements of the replayed objects, ordered by time, in a temp table indexed by t
create temp table srcPhot as
select r.id, r.objId, r.t, r.pb, r.flux, r.dflux
from src.rawPhot as r
join src.objects as o on o.objId = r.objId
where (:dataset is null or o.dataset = :dataset)
  and r.t < :until
order by r.t;
create index temp.srcPhot_t on srcPhot (t);
