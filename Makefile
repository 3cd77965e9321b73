# Crosscheck: `make demo` and `make test` work on a fresh machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/crosscheck ingest
	$(BIN)/crosscheck db embed
	$(BIN)/crosscheck sources
	$(BIN)/crosscheck check "Britain may put 10,000 troops in Ukraine"
	$(BIN)/crosscheck check "The UK plans to send 25,000 troops to Ukraine"
	$(BIN)/crosscheck check "North Korea's armed forces number about 1.2 million"
	$(BIN)/crosscheck check "Medvedev said troops from NATO countries are welcome as peacekeepers"
	$(BIN)/crosscheck check "The moon landing was staged"
	# a paraphrase: it shares almost no word with the article, its meaning finds it
	$(BIN)/crosscheck check "Britain is preparing to deploy soldiers to Ukraine"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# tests run in parallel processes (pytest-xdist); PYTEST_WORKERS=0 runs them in this process
PYTEST_WORKERS ?= auto

test: lint
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)

# the quick loop: no lint, no tests that start whole processes (marked e2e)
test-fast: $(STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not e2e"

bench: $(STAMP)
	$(BIN)/python bench/run_all.py --readme README.md

clean:
	rm -rf $(VENV) crosscheck.db crosscheck.db-wal crosscheck.db-shm
