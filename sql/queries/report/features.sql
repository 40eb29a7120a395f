-- labelled objects with their moment and GP features (GP columns NULL before make gp)
select *
from objectFeaturesGP
where label is not null
  and (:dataset is null or dataset = :dataset)
order by label, name
