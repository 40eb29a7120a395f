-- objects whose name starts with :q (in any dataset), at most 100
select dataset, name
from objects
where name >= :q and name < :q || char(1114111)
order by name, dataset
limit 100
