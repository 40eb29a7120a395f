insert or ignore into watchlistHits (watchlist, source, objId, diaSourceId, alertKey, separation, batch, hitAt)
values (?, ?, ?, ?, ?, ?, ?, ?)
