# The two commands: `make up` runs the data layer, `make test` passes the tests.
# Both work from a fresh clone on a machine with Python 3.11, Java 17 and Maven.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: up test lint bench install jars postgres clean

up: jars
	$(BIN)/bron up

test: jars postgres
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: jars
	$(BIN)/python -m tests.bench

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

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
