select fileId, contentHash, status from sourceFiles where dataset = :dataset and name = :name
