-- Store one decoded batch (temp.batchAlerts, batchSources, batchForced) into :dataset. Runs inside
-- the batch's write transaction; stream/store.py then rebuilds lcBands of temp.touched, computes
-- features, classifies and inserts the alerts (insert_alerts.sql) with the source position.
-- Everything is keyed by the packets' own ids, so a replayed alert, detection or forced
-- measurement changes nothing, and the order alerts arrive in does not change the result.

-- the alerts not stored yet (a replay is skipped), the first of each diaSourceId in the batch
-- (newAlerts' primary key keeps the first inserted, in item order; linear in the batch size)
insert or ignore into temp.newAlerts
select diaSourceId, item, diaObjectId, ssObjectId, visit, t, band, schemaVersion, nPrvSources, nPrvForced,
       ra, dec, partition, "offset"
from temp.batchAlerts as b
where not exists (select 1 from alerts as a where a.diaSourceId = b.diaSourceId)
order by item;

-- one object per diaObjectId (name: the id as text), created in the order the batch first names them
insert into objects (dataset, name)
with firsts as (
    select diaObjectId, min(item) as firstItem
    from temp.newAlerts
    where diaObjectId is not null
    group by diaObjectId
)
select :dataset, cast(diaObjectId as text)
from firsts
where not exists (select 1 from objects as o where o.dataset = :dataset and o.name = cast(firsts.diaObjectId as text))
order by firstItem;

insert into temp.objMap (diaObjectId, objId)
select distinct n.diaObjectId, o.objId
from temp.newAlerts as n
join objects as o on o.dataset = :dataset and o.name = cast(n.diaObjectId as text)
where n.diaObjectId is not null;

insert or ignore into diaObjects (objId, diaObjectId, positionMjd)
select objId, diaObjectId, -1e308 from temp.objMap;

-- the position of an object is its diaObject's in the alert with the latest midpointMjdTai
with latest as (
    select m.objId, n.ra, n.dec, n.t,
           row_number() over (partition by m.objId order by n.t desc, n.diaSourceId) as k
    from temp.newAlerts as n
    join temp.objMap as m on m.diaObjectId = n.diaObjectId
    where n.ra is not null
)
update diaObjects
set ra = latest.ra, dec = latest.dec, positionMjd = latest.t
from latest
where latest.k = 1 and diaObjects.objId = latest.objId and latest.t > diaObjects.positionMjd;

-- detections and forced measurements not stored yet, each once
insert or ignore into temp.newSources
select * from temp.batchSources as b
where not exists (select 1 from diaSources as d where d.diaSourceId = b.diaSourceId);

insert or ignore into temp.newForced
select * from temp.batchForced as b
where not exists (select 1 from diaForcedSources as d where d.diaForcedSourceId = b.diaForcedSourceId);

insert into diaSources (diaSourceId, objId, diaObjectId, visit, t, band, psfFlux, psfFluxErr, snr, ra, dec)
select s.diaSourceId, o.objId, s.diaObjectId, s.visit, s.t, s.band, s.psfFlux, s.psfFluxErr, s.snr, s.ra, s.dec
from temp.newSources as s
left join objects as o on o.dataset = :dataset and o.name = cast(s.diaObjectId as text)
order by s.diaSourceId;

insert into diaForcedSources (diaForcedSourceId, objId, diaObjectId, visit, t, band, psfFlux, psfFluxErr)
select s.diaForcedSourceId, o.objId, s.diaObjectId, s.visit, s.t, s.band, s.psfFlux, s.psfFluxErr
from temp.newForced as s
left join objects as o on o.dataset = :dataset and o.name = cast(s.diaObjectId as text)
order by s.diaForcedSourceId;

-- the measurement that should stand for each object and visit among the new ones: forced (kind 0)
-- before detection (kind 1), then the smallest id; only usable ones (a band of rawPhot, finite
-- flux, error > 0)
insert into temp.photCandidates (objId, visit, kind, sourceId, t, pb, flux, dflux)
with usable as (
    select 1 as kind, diaSourceId as sourceId, diaObjectId, visit, t, band, psfFlux, psfFluxErr
    from temp.newSources
    union all
    select 0, diaForcedSourceId, diaObjectId, visit, t, band, psfFlux, psfFluxErr
    from temp.newForced
),

ranked as (
    select o.objId, u.visit, u.kind, u.sourceId, u.t, u.band, u.psfFlux, u.psfFluxErr,
           row_number() over (partition by o.objId, u.visit order by u.kind, u.sourceId) as k
    from usable as u
    join objects as o on o.dataset = :dataset and o.name = cast(u.diaObjectId as text)
    where u.band in ('u', 'g', 'r', 'i', 'z', 'y')
      and u.psfFlux is not null and abs(u.psfFlux) <= 1.7976931348623157e308
      and u.psfFluxErr > 0 and u.psfFluxErr <= 1.7976931348623157e308
      and u.t is not null and abs(u.t) <= 1.7976931348623157e308
)

select objId, visit, kind, sourceId, t, band, psfFlux, psfFluxErr
from ranked
where k = 1;

-- a better measurement of a visit already in rawPhot replaces that row's values
insert into temp.touched (objId)
select distinct c.objId
from temp.photCandidates as c
join alertPhot as a on a.objId = c.objId and a.visit = c.visit
where (c.kind, c.sourceId) < (a.kind, a.sourceId);

update rawPhot
set t = c.t, pb = c.pb, flux = c.flux, dflux = c.dflux
from temp.photCandidates as c
join alertPhot as a on a.objId = c.objId and a.visit = c.visit
where rawPhot.id = a.rawPhotId and (c.kind, c.sourceId) < (a.kind, a.sourceId);

update alertPhot
set kind = c.kind, sourceId = c.sourceId
from temp.photCandidates as c
where alertPhot.objId = c.objId and alertPhot.visit = c.visit
  and (c.kind, c.sourceId) < (alertPhot.kind, alertPhot.sourceId);

-- a visit not in rawPhot yet gets a row (ids follow the largest, in object and visit order)
delete from temp.photCandidates
where exists (select 1 from alertPhot as a where a.objId = photCandidates.objId and a.visit = photCandidates.visit);

insert or ignore into temp.touched (objId)
select distinct objId from temp.photCandidates;

update temp.photCandidates
set rawPhotId = numbered.id
from (select objId, visit,
             (select coalesce(max(id), 0) from rawPhot) + row_number() over (order by objId, visit) as id
      from temp.photCandidates) as numbered
where photCandidates.objId = numbered.objId and photCandidates.visit = numbered.visit;

insert into rawPhot (id, objId, t, pb, flux, dflux)
select rawPhotId, objId, t, pb, flux, dflux
from temp.photCandidates
order by rawPhotId;

insert into alertPhot (objId, visit, kind, sourceId, rawPhotId)
select objId, visit, kind, sourceId, rawPhotId
from temp.photCandidates;
