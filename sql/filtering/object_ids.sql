select objId from objects where :dataset is null or dataset = :dataset order by objId
