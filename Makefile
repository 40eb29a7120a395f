# MiniBroker: every target runs inside .venv, created and filled on first use.
# Variables: DB (database file), DATA (directory of light-curve files), DATASET (default: the
# directory's own name), JOBS (default: number of cores), LABELS (name,label CSV), Q (SQL), FILTER and PARAMS
# (saved selections), TIMEOUT, FORMAT (table|csv|tsv), MEMORY (MiB), TOP, N, OUT, SEED, FEATURE_SET (moments|gp|period), GRID, OBJ, GP, MAG, ZOOM, TMIN, TMAX,
# FOLD, PERIOD (make plot), RUN, SIZES,
# NAMES and SIM (make classnames), SOURCE (alert directory or kafka://host:port/topic), FOLLOW, ALERTS,
# KAFKA_PORT (make kafka-start), PORT (make serve), PARQUET (an export directory), SPARK_MASTER (local[N]
# or a cluster URL), CHECKPOINT, MODEL_DB and MAX_OFFSETS (make spark-stream).

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
MB      := $(BIN)/minibroker
DB      ?= broker.db
DATA    ?=
DATASET ?=
JOBS    ?= $(shell nproc 2>/dev/null || echo 1)
LABELS  ?=
NAMES   ?=
SIM     ?=
Q       ?=
FILTER  ?=
PARAMS  ?=
TIMEOUT ?=
TOP     ?= 10
RUN     ?=
FEATURE_SET ?= moments
GRID    ?= 200
OBJ     ?=
GP      ?=
MAG     ?=
ZOOM    ?=
TMIN    ?=
TMAX    ?=
FOLD    ?=
PERIOD  ?=
N       ?= 1000
OUT     ?= out
SEED    ?= 42
SIZES   ?= 1000,10000,100000
KAFKA_PORT ?=
REPEATS ?= 3
FORMAT  ?= table
MEMORY  ?=
NAME    ?=
CSV     ?=
FROM    ?=
TO      ?=
PORT    ?= 8001

SOURCE  ?=
PARQUET ?=
SPARK_MASTER ?= local[2]
CHECKPOINT ?=
MODEL_DB ?=
MAX_OFFSETS ?=
FOLLOW  ?=
ALERTS  ?=
NAMES   ?=
SIM     ?=

# Text the user types (paths, SQL, names) reaches the commands exactly as typed, spaces, quotes and
# $ included: make keeps the raw value (no $(...) expansion) and the recipes read it from the
# environment ("$$Q"), never pasted into a shell command line.
TEXT_VARS := PARQUET DB DATA DATASET LABELS Q FILTER PARAMS OBJ OUT TIMEOUT FORMAT MEMORY SOURCE NAME CSV NAMES CHECKPOINT MODEL_DB
$(foreach v,$(TEXT_VARS),$(eval override $(v) := $$(value $(v))))
export $(TEXT_VARS)

dataset_opt = $(if $(DATASET),--dataset "$$DATASET")

.DEFAULT_GOAL := help
.PHONY: test-spark bench-spark spark-stream spark-train export spark-features spark-filter import-features help venv system-deps kafka-jars kafka-start kafka-stop kafka-status demo test load labels classnames features sql simulate stream train predict anomalies gp plot report serve bench clean watchlist filters backtest

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,portal]'
	@touch $@

venv: $(VENV)/.installed ## create .venv and install MiniBroker with its dependencies

demo: $(VENV)/.installed ## the whole job on simulated data: simulate, load, features, train, predict, anomalies
	$(MB) demo --out "$$OUT" --seed $(SEED) --jobs $(JOBS)

kafka-jars: ## fetch the Apache Kafka jars for the test broker with Maven (once, into ~/.cache/minibroker or MINIBROKER_KAFKA_HOME)
	$(PYTHON) tools/kafka/kafka.py fetch

kafka-start: $(VENV)/.installed kafka-jars ## start a local Kafka broker in the background [KAFKA_PORT=9092] (SASL listener too)
	$(BIN)/python tools/kafka/kafka.py start --sasl $(if $(KAFKA_PORT),--port $(KAFKA_PORT))

kafka-status: ## is the local Kafka broker running, and where
	$(PYTHON) tools/kafka/kafka.py status

kafka-stop: ## stop the local Kafka broker
	$(PYTHON) tools/kafka/kafka.py stop

# what the tests need from the system: the stock sqlite3 shell, Java and Maven (the real Kafka broker),
# Debian's Chromium (the portal's browser tests); installed with apt when missing (as root)
SYSTEM_PACKAGES := sqlite3:sqlite3 java:openjdk-17-jre-headless mvn:maven chromium:chromium

system-deps: ## install the system packages the tests need when missing (sqlite3, Java, Maven, Chromium; apt, as root)
	@missing="$(foreach p,$(SYSTEM_PACKAGES),$$(command -v $(word 1,$(subst :, ,$(p))) >/dev/null || echo $(word 2,$(subst :, ,$(p)))))"; \
	missing=$$(echo $$missing); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "make: the tests need these Debian packages: $$missing (apt-get install them as root)" >&2; exit 1; fi; \
		echo "installing $$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(VENV)/.installed system-deps kafka-jars ## run the test suite (installs what it needs first: system packages, Kafka jars)
	$(BIN)/python -m pytest -q -m "not spark"

load: $(VENV)/.installed ## load light-curve files: make load DATA=dir [DB=broker.db] [DATASET=name] [JOBS=n]
	@test -n "$$DATA" || { echo "make load: give DATA=directory of light-curve files" >&2; exit 2; }
	$(MB) load --db "$$DB" --jobs $(JOBS) $(dataset_opt) "$$DATA"

labels: $(VENV)/.installed ## load a name,label CSV: make labels LABELS=file.csv [DATASET=name]
	@test -n "$$LABELS" || { echo "make labels: give LABELS=file.csv with name,label columns" >&2; exit 2; }
	$(MB) labels --db "$$DB" $(dataset_opt) "$$LABELS"

features: $(VENV)/.installed ## compute lcFeats inside SQLite for objects that need them [JOBS=n]
	$(MB) features --db "$$DB" --jobs $(JOBS) $(dataset_opt)

sql: $(VENV)/.installed ## read-only SQL: make sql Q="select ..." or FILTER=name [PARAMS="k=v ..."] [FORMAT=csv] [TIMEOUT=s] [MEMORY=MiB] (neither: a shell)
	$(MB) sql --db "$$DB" --format "$$FORMAT" $(if $(MEMORY),--memory "$$MEMORY") $(if $(TIMEOUT),--timeout "$$TIMEOUT") $(if $(FILTER),--filter "$$FILTER") $(if $(PARAMS),--params "$$PARAMS") $(if $(Q),-- "$$Q")

simulate: $(VENV)/.installed ## write simulated light curves: make simulate N=1000 OUT=dir SEED=42 [ALERTS=1: alert packets]
	$(MB) simulate --n $(N) --out "$$OUT" --seed $(SEED) --jobs $(JOBS) $(if $(ALERTS),--alerts)

stream: $(VENV)/.installed ## ingest alert packets: make stream SOURCE=dir|kafka://host:port/topic [DB=…] [DATASET=…] [FOLLOW=1]
	@test -n "$$SOURCE" || { echo "make stream: give SOURCE=directory of *.avro alerts or kafka://host:port/topic" >&2; exit 2; }
	$(MB) stream --db "$$DB" --jobs $(JOBS) $(dataset_opt) $(if $(FOLLOW),--follow) "$$SOURCE"

classnames: $(VENV)/.installed ## name the class labels: make classnames [NAMES=label,name.csv] [SIM=1]; lists them
	$(MB) classnames --db "$$DB" $(if $(SIM),--simulator) $(if $(NAMES),"$$NAMES")

train: $(VENV)/.installed ## cross-validate models on labelled features, store them, mark the chosen one [FEATURE_SET=moments|gp|period]
	$(MB) train --db "$$DB" $(dataset_opt) --feature-set $(FEATURE_SET) --jobs $(JOBS)

predict: $(VENV)/.installed ## predict classes for a dataset with the chosen model (or RUN=runId)
	$(MB) predict --db "$$DB" $(dataset_opt) $(if $(RUN),--run-id $(RUN))

anomalies: $(VENV)/.installed ## rank a dataset's objects by IsolationForest anomaly score
	$(MB) anomalies --db "$$DB" $(dataset_opt) --top $(TOP) --feature-set $(FEATURE_SET)

gp: $(VENV)/.installed ## GP-interpolate every object-band into lcGP, GP features into lcGPFeats [GRID=200]
	$(MB) gp --db "$$DB" $(dataset_opt) --grid $(GRID) --jobs $(JOBS)

plot: $(VENV)/.installed ## plot one light curve: make plot OBJ=name [OUT=file.png] [GP=1] [MAG=1] [ZOOM=1 | TMIN=mjd TMAX=mjd] [FOLD=1 [PERIOD=days]]
	@test -n "$$OBJ" || { echo "make plot: give OBJ=object name" >&2; exit 2; }
	$(MB) plot --db "$$DB" --obj "$$OBJ" $(dataset_opt) $(if $(filter-out out,$(OUT)),--out "$$OUT") $(if $(GP),--gp) \
	  $(if $(MAG),--mag) $(if $(ZOOM),--zoom) $(if $(TMIN),--tmin=$(TMIN)) $(if $(TMAX),--tmax=$(TMAX)) \
	  $(if $(FOLD),--fold) $(if $(PERIOD),--period=$(PERIOD))

report: $(VENV)/.installed ## figures and an index.html: make report [OUT=dir] [TOP=10]
	$(MB) report --db "$$DB" $(dataset_opt) --out "$$OUT" --top $(TOP)

serve: $(VENV)/.installed ## the web portal on 127.0.0.1: make serve [DB=broker.db] [PORT=8001] [TIMEOUT=seconds]
	$(MB) serve --db "$$DB" --port $(PORT) $(if $(TIMEOUT),--timeout "$$TIMEOUT")

bench: $(VENV)/.installed ## benchmarks: make bench [SIZES=1000,10000,100000] [REPEATS=3] -> bench/results.md
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench --sizes $(SIZES) --repeats $(REPEATS) --out bench/
	$(BIN)/python -m minibroker.filters.bench --out bench/filters_results.md

watchlist: $(VENV)/.installed ## load a watchlist: make watchlist NAME=name CSV=file (name,ra,dec,radius arcsec)
	@test -n "$$NAME" -a -n "$$CSV" || { echo "make watchlist: give NAME=watchlist CSV=file.csv" >&2; exit 2; }
	$(MB) watchlist --db "$$DB" --name "$$NAME" "$$CSV"

filters: $(VENV)/.installed ## run every stream filter once over the DB's objects, store and deliver matches
	$(MB) filters --db "$$DB" $(dataset_opt) $(if $(TIMEOUT),--timeout "$$TIMEOUT")

backtest: $(VENV)/.installed ## replay a stream filter night by night: make backtest FILTER=name [FROM=mjd TO=mjd]
	@test -n "$$FILTER" || { echo "make backtest: give FILTER=name of sql/filters/NAME.sql" >&2; exit 2; }
	$(MB) backtest --db "$$DB" --filter "$$FILTER" $(dataset_opt) $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))
	$(BIN)/python -m minibroker.portal.bench --db bench/cache/portal-100000.db --out bench/portal.md

$(VENV)/.spark-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,portal,spark]'
	@java -version >/dev/null 2>&1 || { echo "make: the spark extra needs Java 17 (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
	@touch $@

export: $(VENV)/.spark-installed ## write the database as Parquet for Spark: make export DB=… OUT=dir
	$(MB) export --db "$$DB" --out "$$OUT"

spark-features: $(VENV)/.spark-installed ## lcFeats on Spark from an export: make spark-features PARQUET=dir [SPARK_MASTER=local[2]]
	@test -n "$$PARQUET" || { echo "make spark-features: give PARQUET=export directory (make export)" >&2; exit 2; }
	SPARK_MASTER="$(SPARK_MASTER)" $(MB) spark features "$$PARQUET"

spark-filter: $(VENV)/.spark-installed ## a saved filter on Spark SQL: make spark-filter FILTER=name PARQUET=dir [PARAMS="k=v …"]
	@test -n "$$PARQUET" -a -n "$$FILTER" || { echo "make spark-filter: give FILTER=name and PARQUET=export directory" >&2; exit 2; }
	SPARK_MASTER="$(SPARK_MASTER)" $(MB) spark filter "$$FILTER" --parquet "$$PARQUET" $(foreach p,$(PARAMS),--param "$(p)")

import-features: $(VENV)/.spark-installed ## store Spark's features back in the database where inputs are unchanged: make import-features PARQUET=dir DB=…
	@test -n "$$PARQUET" || { echo "make import-features: give PARQUET=export directory" >&2; exit 2; }
	$(MB) import-features --db "$$DB" "$$PARQUET"

spark-stream: $(VENV)/.spark-installed ## Spark Structured Streaming from Kafka: make spark-stream SOURCE=kafka://host:port/topic CHECKPOINT=dir [OUT=out] [MODEL_DB=db] [MAX_OFFSETS=n] [FOLLOW=1]
	@test -n "$$SOURCE" -a -n "$$CHECKPOINT" || { echo "make spark-stream: give SOURCE=kafka://host:port/topic and CHECKPOINT=dir" >&2; exit 2; }
	SPARK_MASTER="$(SPARK_MASTER)" $(MB) spark stream "$$SOURCE" --checkpoint "$$CHECKPOINT" --out "$$OUT" $(if $(MODEL_DB),--model-db "$$MODEL_DB") $(if $(MAX_OFFSETS),--max-offsets $(MAX_OFFSETS)) $(if $(FOLLOW),--follow)

spark-train: $(VENV)/.spark-installed ## make train (moments) on Spark's features of an export of DB: make spark-train PARQUET=dir DB=… [DATASET=…]
	@test -n "$$PARQUET" || { echo "make spark-train: give PARQUET=export directory of DB (make export, make spark-features)" >&2; exit 2; }
	SPARK_MASTER="$(SPARK_MASTER)" $(MB) spark train "$$PARQUET" --db "$$DB" --jobs $(JOBS) $(dataset_opt)

test-spark: $(VENV)/.spark-installed system-deps kafka-jars ## the spark test group (pyspark, Java 17, local[2], the real Kafka broker)
	SPARK_MASTER="$(SPARK_MASTER)" $(BIN)/python -m pytest -q -m spark tests/test_spark_export.py tests/test_spark_features.py tests/test_spark_sql.py tests/test_spark_stream.py tests/test_spark_train.py

bench-spark: $(VENV)/.spark-installed ## Spark features vs make features, local[1] vs local[2]: make bench-spark [SIZES=10000,100000] -> bench/spark_results.md
	$(BIN)/python -m minibroker.spark.bench --sizes $(SIZES) --out bench/

clean: ## remove the virtual environment and caches (databases are kept)
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
