-- a repeat of (filter, object, alert) is ignored: the same object is a new match only on a new alert
insert or ignore into filterMatches (filter, objId, alertKey, diaSourceId, batch, matchedAt, payload)
values (:filter, :objId, :alertKey, :diaSourceId, :batch, :matchedAt, :payload)
