# smarttask: `make run` serves the API, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BACKENDS ?= sqlite,postgresql

.PHONY: install run test test-browser test-sqlite test-postgres test-faults lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create the virtualenv and install smarttask with its dev tools

run: install ## serve on http://127.0.0.1:8000 with SQLite and demo data (loaded on first start)
	$(BIN)/smarttask demo --if-empty
	$(BIN)/smarttask serve

test: install ## the whole suite, against SQLite and PostgreSQL at once (browser tests included)
	SMARTTASK_TEST_BACKENDS=$(BACKENDS) $(BIN)/python tests/run_suite.py $(PYTEST_ARGS)

test-browser: install ## the browser tests only (Chromium: apt-get install -y chromium)
	SMARTTASK_TEST_BACKENDS=$(BACKENDS) $(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

test-sqlite: ## the suite against SQLite only
	$(MAKE) test BACKENDS=sqlite

test-postgres: ## the suite against PostgreSQL only
	$(MAKE) test BACKENDS=postgresql

FAULT_TESTS := tests/reliability/test_postgres_crash.py tests/reliability/test_two_instances.py \
	tests/reliability/test_worker_kill.py tests/reliability/test_commit_in_doubt.py

test-faults: install ## the fault tests, full profile; figures in data/reliability/ (docs/reliability.md)
	SMARTTASK_TEST_BACKENDS=$(BACKENDS) SMARTTASK_RELIABILITY_PROFILE=full \
	SMARTTASK_RELIABILITY_REPORT_DIR=$(CURDIR)/data/reliability \
	$(BIN)/python -m pytest -s -p no:logging $(FAULT_TESTS) $(PYTEST_ARGS)

lint: install ## ruff, mypy and the import-linter layer contracts
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: install ## the HTTP load benchmark (see docs/benchmarks.md)
	$(BIN)/python bench/http_load.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
