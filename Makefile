# The two commands: `make up` runs the data layer, `make test` passes the tests.
# Both work from a fresh clone on a machine with Python 3.11, Java 17 and Maven.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: up test test-resilience lint bench bench-scale install jars postgres chromium clean

up: jars
	$(BIN)/bron up

test: jars postgres chromium
	$(BIN)/pytest --durations=25

# The fault tests at full size: the stream workers killed and rebalanced during ~100,000 events;
# every component and the broker killed 6 times each under load; the fuzzers at 100 examples.
test-resilience: jars postgres
	BRON_TEST_STREAMS_PERSONS=23600 $(BIN)/pytest --timeout 3600 tests/integration/test_streams_resilience.py
	BRON_TEST_RESILIENCE_KILLS=6 BRON_TEST_RESILIENCE_RATE=20 $(BIN)/pytest -s --timeout 3600 tests/integration/test_resilience_suite.py
	BRON_FUZZ_EXAMPLES=100 $(BIN)/pytest tests/unit/test_fuzz_decode.py tests/integration/test_fuzz_registries.py tests/integration/test_fuzz_graphql.py tests/integration/test_fuzz_consumers.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@# the example apps are programs of their own (both are app.py): one mypy run each
	$(BIN)/mypy --strict examples/parkeervergunning/app.py
	$(BIN)/mypy --strict examples/woz-aanslag/app.py

bench: jars
	$(BIN)/python -m tests.bench

# The scale run (issue 9): 1,000,000 synthetic persons from the registries through Kafka into
# the projections and out of the gateway; hours. Shorter: make bench-scale ARGS="--persons 20000"
# (--workers K, --store postgresql, --keep DIR to inspect the data; --help). Writes
# var/bench/scale.md and .json.
bench-scale: jars postgres
	$(BIN)/python -m tests.bench.scale $(ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

jars: install
	$(BIN)/bron kafka fetch

postgres:
	@bash deploy/postgres/ensure.sh

chromium:
	@bash deploy/chromium/ensure.sh

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
