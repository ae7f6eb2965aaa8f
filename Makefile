# Steward: `make run` to try it, `make test` to check it. See README.md.
# The newest Python >= 3.11 found (PYTHON=/path/to/python to choose another): a name that
# exists but does not run (a pyenv shim of a version not installed) is skipped.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV   := .venv
PY     := $(VENV)/bin/python
STEWARD := $(VENV)/bin/steward
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/steward

.PHONY: run test test-sqlite test-postgres test-browser lint format bench install install-test browser clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || { \
	  [ -n "$(PYTHON)" ] || { echo "Steward needs Python 3.11 or newer: none found (set PYTHON=/path/to/python3)."; exit 1; }; \
	  $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	  || { echo "Steward needs Python 3.11 or newer: PYTHON=$(PYTHON) is not (set PYTHON=/path/to/python3)."; exit 1; }; \
	  echo "==> Creating $(VENV) with $$($(PYTHON) -c 'import sys; print(sys.executable, sys.version.split()[0])')"; \
	  $(PYTHON) -m venv $(VENV); }
	@echo "==> Installing Steward and its dependencies into $(VENV) (about a minute the first time) ..."
	@start=$$(date +%s); $(PY) -m pip install --quiet --disable-pip-version-check -e ".[redis]" \
	  && echo "==> Installed in $$(( $$(date +%s) - start )) s."
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	@echo "==> Installing the test tools (pytest, Playwright, ruff, ...) ..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test,redis]"
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: install, migrate, load demo data into an empty database, serve on http://$(HOST):$(PORT)
run: install
	@$(STEWARD) init --demo-if-empty --no-logins
	@echo "==> Starting the web app, worker and scheduler (the demo logins follow once it answers) ..."
	@$(STEWARD) serve --host $(HOST) --port $(PORT)

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
