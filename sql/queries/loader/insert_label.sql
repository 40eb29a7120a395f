insert into lcLabels (objId, label, source) values (:objId, :label, :source)
on conflict (objId) do update set label = excluded.label, source = excluded.source
