# Steward: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STEWARD := $(VENV)/bin/steward
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/steward

.PHONY: run test test-sqlite test-postgres test-browser lint format bench install install-test browser clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[redis]"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test,redis]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: install, migrate, load demo data into an empty database, serve on http://$(HOST):$(PORT)
run: install
	$(STEWARD) init --demo-if-empty
	$(STEWARD) serve --host $(HOST) --port $(PORT)

## test: the whole suite on SQLite, then on PostgreSQL, with the browser tests
test: install-test browser
	$(PY) scripts/run_tests.py

test-sqlite: install-test
	$(PY) scripts/run_tests.py --only sqlite

test-postgres: install-test
	$(PY) scripts/run_tests.py --only postgres

## browser: make sure Debian's chromium is there for the Playwright tests (installed under CI)
browser:
	@$(PY) scripts/ensure_chromium.py

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## bench: every scenario (or SCENARIO=name); JSON figures under var/bench/
bench: install-test
	$(PY) bench/run.py $(SCENARIO)

clean:
	rm -rf $(VENV) var/static build *.egg-info
