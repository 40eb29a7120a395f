insert into streamFiles (dataset, name, path, contentHash, sizeBytes, status, alerts, failed, error, doneAt)
values (:dataset, :name, :path, :contentHash, :sizeBytes, :status, :alerts, :failed, :error, :doneAt)
