-- what a batch stored: new alerts, of them without an object, detections, forced measurements
select
    (select count(*) from temp.newAlerts) as alerts,
    (select count(*) from temp.newAlerts where diaObjectId is null) as withoutObject,
    (select count(*) from temp.newSources) as sources,
    (select count(*) from temp.newForced) as forced
