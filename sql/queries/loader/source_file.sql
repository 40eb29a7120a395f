select fileId, contentHash, status, error from sourceFiles where dataset = :dataset and name = :name
