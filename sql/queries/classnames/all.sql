-- every known class name
select label, name from classNames order by label
