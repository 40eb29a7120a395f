-- one class name from a CSV or the simulator's class table (replaces what was there)
insert into classNames (label, name, source) values (:label, :name, :source)
on conflict (label) do update set name = excluded.name, source = excluded.source
