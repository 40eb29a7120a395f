-- Columns of one table (:tableName) with their declared types, in table order.
select name, type
from pragma_table_info(:tableName)
order by cid
