select objId from objects where dataset = :dataset and name = :name
