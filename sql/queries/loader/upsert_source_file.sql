insert into sourceFiles (dataset, name, path, contentHash, sizeBytes, status, error, rowsLoaded, rowsRejected, loadedAt)
values (:dataset, :name, :path, :contentHash, :sizeBytes, :status, :error, :rowsLoaded, :rowsRejected, :loadedAt)
on conflict (dataset, name) do update set
    path = excluded.path,
    contentHash = excluded.contentHash,
    sizeBytes = excluded.sizeBytes,
    status = excluded.status,
    error = excluded.error,
    rowsLoaded = excluded.rowsLoaded,
    rowsRejected = excluded.rowsRejected,
    loadedAt = excluded.loadedAt
returning fileId
