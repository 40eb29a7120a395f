-- The tables an export writes (not the migrations record nor SQLite's own), in name order.
select name
from sqlite_master
where type = 'table'
  and name not like 'sqlite%'
  and name not like '\_%' escape '\'
order by name
