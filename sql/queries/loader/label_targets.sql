select name, objId from objects where dataset = :dataset
