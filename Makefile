# Portfolio Desk: `make run` serves the app, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/python -m pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run serve user test test-fast bench lint format browser redis postgres screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(PY)
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

## Set up (first time) and serve the app with the bundled data on http://127.0.0.1:8050
run: $(VENV)/.runtime-installed
	$(PY) app.py

## Production serving: gunicorn (gunicorn.conf.py; PORTFOLIO_DESK_WORKERS / PORTFOLIO_DESK_THREADS, HOST, PORT)
serve: $(VENV)/.runtime-installed
	$(VENV)/bin/gunicorn -c gunicorn.conf.py app:server

## Add a login user or change their password: make user NAME=alice (file: $$PORTFOLIO_DESK_USERS or USERS=path)
user: $(VENV)/.runtime-installed
	$(PY) -m scripts.add_user "$(NAME)" $(if $(USERS),--file "$(USERS)")

## Chromium and chromedriver for browser tests and server-side image export
browser:
	@bash scripts/ensure_packages.sh chromium=chromium chromedriver=chromium-driver

## Redis for the Celery integration test (tests/integration)
redis:
	@bash scripts/ensure_packages.sh redis-server=redis-server

## PostgreSQL server binaries for the store tests (tests/unit/store start a private server)
postgres:
	@bash scripts/ensure_packages.sh pg_ctlcluster=postgresql

## Lint, then every test: unit, app callbacks and reference examples on two workers (pytest-xdist),
## then the browser tests and the Celery/Redis run (marked e2e) one at a time. Each run has a
## watchdog (coreutils timeout), so a hung process fails the run in minutes instead of holding it.
test: $(VENV)/.dev-installed browser redis postgres
	$(PY) -m ruff check .
	$(PY) -m mypy
	timeout -k 30 15m $(PY) -m pytest -m "not e2e" -n 2 tests
	timeout -k 30 40m $(PY) -m pytest -m e2e tests

## Everything but the browser tests
test-fast: $(VENV)/.dev-installed
	$(PY) -m pytest -m "not e2e" -n 2 tests

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m mypy

format: $(VENV)/.dev-installed
	$(PY) -m ruff format .

## Side-by-side timings against peer libraries, written to benchmarks/RESULTS.md
bench: $(VENV)/.dev-installed
	$(PY) -m benchmarks.run

## Screenshots of every page under docs/ (headless Chromium)
screenshots: $(VENV)/.dev-installed browser
	$(PY) scripts/screenshots.py

clean:
	rm -rf .cache .pytest_cache .ruff_cache
