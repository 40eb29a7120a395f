"""Stream filters, watchlists, delivery and backtesting (issue 13).

- ``filters.spec``: filter files (``sql/filters/*.sql`` with a ``-- stream: true`` header), parsing and validation;
- ``filters.run``: ``run_after_batch(db_path, touched_objids, batch)``, called by the stream after each batch;
- ``filters.watchlist``: watchlists and their declination-zone index;
- ``filters.deliver``: JSON-lines, HTTP, Kafka (Avro, ``alert.avsc``) and digest sinks;
- ``filters.backtest``: replaying a filter night by night, as of each night;
- ``filters.cli``: the ``watchlist``, ``filters`` and ``backtest`` commands.
"""
