insert into csvLabels (dataset, name, label, source) values (:dataset, :name, :label, :source)
on conflict (dataset, name) do update set label = excluded.label, source = excluded.source
