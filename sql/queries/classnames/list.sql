-- every class name with where it came from
select label, name, source from classNames order by label
