-- one row per (alert, watchlist, declination zone, right-ascension interval) to look up
create temp table if not exists watchlistProbe (
    k         integer not null,   -- index of the alert in the batch
    watchlist text not null,
    zone      integer not null,
    raLo      real not null,
    raHi      real not null
);
delete from temp.watchlistProbe;
