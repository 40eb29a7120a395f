"""MiniBroker benchmark harness (``make bench``, ``python -m bench --help``).

Measures, on simulated data of several sizes (generated once into ``bench/cache/``), the
project's commands end to end against baselines timed in the same run, and writes
``bench/results.md`` (for people) and ``bench/results.json`` (everything, machine included).

Cases: ``load`` (rows/s vs the exercise's per-row and per-file ways and an executemany
ceiling), ``features`` (rows/s vs the exercise's per-object pandas/numpy way and the
``light-curve`` package), ``gp`` (light curves/s vs per-curve scikit-learn, via ``gp.bench``),
``predict`` (objects/s of the chosen model). Every case runs ``--repeats`` times; tables show
the median and the min-max; ratios are ratios of medians measured in the same run. Nothing
here is a timed unit test.
"""
