-- objects with features per class (NULL: unlabelled) in :dataset (or every dataset)
select label, count(*) as n
from objectFeatures
where :dataset is null or dataset = :dataset
group by label
order by label is null, label
