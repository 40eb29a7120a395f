-- Every dataset named by a file or an object, in name order: the partitions of an export.
select dataset from sourceFiles
union
select dataset from objects
order by dataset
