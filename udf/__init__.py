"""MiniBroker's SQL functions.

- ``udf.stats`` and ``udf.batch``: the pure math over numpy arrays (one group; many groups at once);
- ``udf.functions``: the one table SQL name -> pure function that every engine registers from;
- ``udf.aggregates``: thin apsw-independent aggregate classes that collect rows and call the math;
- ``udf.registry``: the SQLite registration (imports apsw), ``register(conn)``.

This package module imports nothing, so the pure math loads where apsw is absent (a Spark executor).
"""
