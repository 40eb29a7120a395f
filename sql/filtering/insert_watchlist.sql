insert into watchlists (name, path, nSources, maxRadius, loadedAt)
values (:name, :path, :nSources, :maxRadius, :loadedAt)
