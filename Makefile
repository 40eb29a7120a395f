# MiniBroker: every target runs inside .venv, created and filled on first use.
# Variables: DB (database file), DATA (directory of light-curve files), DATASET (default: basename
# of DATA), JOBS (default: number of cores), LABELS (name,label CSV), Q (SQL), FILTER and PARAMS
# (saved selections), TIMEOUT, TOP, N, OUT, SEED, FEATURES (moments|gp), GRID, OBJ, GP, RUN, SIZES,
# PARQUET (an export directory), SPARK_MASTER (local[N] or a cluster URL).

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
MB      := $(BIN)/minibroker
DB      ?= broker.db
DATA    ?=
DATASET ?= $(notdir $(patsubst %/,%,$(DATA)))
JOBS    ?= $(shell nproc 2>/dev/null || echo 1)
LABELS  ?=
Q       ?=
FILTER  ?=
PARAMS  ?=
TIMEOUT ?=
TOP     ?= 10
RUN     ?=
FEATURES ?= moments
GRID    ?= 200
OBJ     ?=
GP      ?=
N       ?= 1000
OUT     ?= out
SEED    ?= 42
SIZES   ?= 1000,10000,100000
REPEATS ?= 3

dataset_opt = $(if $(DATASET),--dataset "$(DATASET)")

.DEFAULT_GOAL := help
.PHONY: help venv demo test test-spark bench-spark export spark-features spark-filter import-features load labels features sql simulate train predict anomalies gp plot report bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(VENV)/.installed ## create .venv and install MiniBroker with its dependencies

demo: $(VENV)/.installed ## the whole job on simulated data: simulate, load, features, train, predict, anomalies
	$(MB) demo --out $(OUT) --seed $(SEED) --jobs $(JOBS)

test: $(VENV)/.installed ## run the test suite (without the spark group: make test-spark)
	$(BIN)/python -m pytest -q -m "not spark"

load: $(VENV)/.installed ## load light-curve files: make load DATA=dir [DB=broker.db] [DATASET=name] [JOBS=n]
	@test -n "$(DATA)" || { echo "make load: give DATA=directory of light-curve files" >&2; exit 2; }
	$(MB) load --db "$(DB)" --jobs $(JOBS) $(dataset_opt) "$(DATA)"

labels: $(VENV)/.installed ## load a name,label CSV: make labels LABELS=file.csv [DATASET=name]
	@test -n "$(LABELS)" || { echo "make labels: give LABELS=file.csv with name,label columns" >&2; exit 2; }
	$(MB) labels --db "$(DB)" $(dataset_opt) "$(LABELS)"

features: $(VENV)/.installed ## compute lcFeats inside SQLite for objects that need them [JOBS=n]
	$(MB) features --db "$(DB)" --jobs $(JOBS) $(dataset_opt)

sql: $(VENV)/.installed ## read-only SQL: make sql Q="select ..." or FILTER=name [PARAMS="k=v ..."] (neither: a shell)
	$(MB) sql --db "$(DB)" $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(FILTER),--filter "$(FILTER)") $(foreach p,$(PARAMS),--param "$(p)") $(if $(Q),"$(Q)")

simulate: $(VENV)/.installed ## write simulated light curves: make simulate N=1000 OUT=dir SEED=42
	$(MB) simulate --n $(N) --out "$(OUT)" --seed $(SEED) --jobs $(JOBS)

train: $(VENV)/.installed ## cross-validate models on labelled features, store them, mark the chosen one [FEATURES=moments|gp]
	$(MB) train --db "$(DB)" $(dataset_opt) --feature-set $(FEATURES)

predict: $(VENV)/.installed ## predict classes for a dataset with the chosen model (or RUN=runId)
	$(MB) predict --db "$(DB)" $(dataset_opt) $(if $(RUN),--run-id $(RUN))

anomalies: $(VENV)/.installed ## rank a dataset's objects by IsolationForest anomaly score
	$(MB) anomalies --db "$(DB)" $(dataset_opt) --top $(TOP) --feature-set $(FEATURES)

gp: $(VENV)/.installed ## GP-interpolate every object-band into lcGP, GP features into lcGPFeats [GRID=200]
	$(MB) gp --db "$(DB)" $(dataset_opt) --grid $(GRID) --jobs $(JOBS)

plot: $(VENV)/.installed ## plot one light curve from rawPhot: make plot OBJ=name [OUT=file.png] [GP=1]
	@test -n "$(OBJ)" || { echo "make plot: give OBJ=object name" >&2; exit 2; }
	$(MB) plot --db "$(DB)" --obj "$(OBJ)" $(dataset_opt) $(if $(filter-out out,$(OUT)),--out "$(OUT)") $(if $(GP),--gp)

report: $(VENV)/.installed ## figures and an index.html: make report [OUT=dir] [TOP=10]
	$(MB) report --db "$(DB)" $(dataset_opt) --out "$(OUT)" --top $(TOP)

bench: $(VENV)/.installed ## benchmarks: make bench [SIZES=1000,10000,100000] [REPEATS=3] -> bench/results.md
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench --sizes $(SIZES) --repeats $(REPEATS) --out bench/

clean: ## remove the virtual environment and caches (databases are kept)
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info

PARQUET ?=
SPARK_MASTER ?= local[2]

$(VENV)/.spark-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	@java -version >/dev/null 2>&1 || { echo "make: the spark extra needs Java 17 (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
	@touch $@

export: $(VENV)/.installed ## write the database as Parquet for Spark: make export DB=… OUT=dir
	$(BIN)/python -m pip install --quiet -e '.[spark]'
	$(MB) export --db "$(DB)" --out "$(OUT)"

spark-features: $(VENV)/.spark-installed ## lcFeats on Spark from an export: make spark-features PARQUET=dir [SPARK_MASTER=local[2]]
	@test -n "$(PARQUET)" || { echo "make spark-features: give PARQUET=export directory (make export)" >&2; exit 2; }
	SPARK_MASTER="$(SPARK_MASTER)" $(MB) spark features "$(PARQUET)"

spark-filter: $(VENV)/.spark-installed ## a saved filter on Spark SQL: make spark-filter FILTER=name PARQUET=dir [PARAMS="k=v …"]
	@test -n "$(PARQUET)" -a -n "$(FILTER)" || { echo "make spark-filter: give FILTER=name and PARQUET=export directory" >&2; exit 2; }
	SPARK_MASTER="$(SPARK_MASTER)" $(MB) spark filter "$(FILTER)" --parquet "$(PARQUET)" $(foreach p,$(PARAMS),--param "$(p)")

import-features: $(VENV)/.installed ## store Spark's features back in the database where inputs are unchanged: make import-features PARQUET=dir DB=…
	@test -n "$(PARQUET)" || { echo "make import-features: give PARQUET=export directory" >&2; exit 2; }
	$(BIN)/python -m pip install --quiet -e '.[spark]'
	$(MB) import-features --db "$(DB)" "$(PARQUET)"

test-spark: $(VENV)/.spark-installed ## the spark test group (pyspark, Java 17, local[2])
	SPARK_MASTER="$(SPARK_MASTER)" $(BIN)/python -m pytest -q -m spark tests/test_spark_export.py tests/test_spark_features.py tests/test_spark_sql.py

bench-spark: $(VENV)/.spark-installed ## Spark features vs make features, local[1] vs local[2]: make bench-spark [SIZES=10000,100000] -> bench/spark_results.md
	$(BIN)/python -m sparkjobs.bench --sizes $(SIZES) --out bench/
