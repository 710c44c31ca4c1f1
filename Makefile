# Everything a new machine or CI needs is installed from here. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Processes for the test suite (pytest-xdist); 0 runs it in the calling process.
PYTEST_WORKERS ?= 2
# 0 leaves out the browser tests (CI runs them once, not on every database).
BROWSER_TESTS_RUN ?= 1

.PHONY: help install run test lint format check clean load bench

help:
	@echo "make run    - install, migrate, load the demo content and serve on http://$(HOST):$(PORT)"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff check, ruff format --check and lint-imports (the import contracts)"
	@echo "make format - ruff format and ruff check --fix"
	@echo "make bench  - run every benchmarks/*.py (not _*.py): exports, and pages against a static file (PostgreSQL, Redis, wrk)"
	@echo "make load   - load and database-fault test: gunicorn + a private PostgreSQL + wrk (benchmarks/load.sh)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when the requirement files change.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core and Lighthouse for the browser tests, re-installed only when their package files change. Without
# npm the step is skipped, and those tests skip and say why (CI requires them to run).
BROWSER_TESTS := tests/browser
$(BROWSER_TESTS)/node_modules/.installed: $(BROWSER_TESTS)/package.json $(BROWSER_TESTS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(BROWSER_TESTS) --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found: skipping axe-core, so the accessibility tests will skip."; \
	fi

# The site's font (Source Serif 4, OFL) from npm: the Latin upright and italic woff2 files and
# the licence are copied into static/fonts/, where they are also committed so a checkout without
# npm still serves them. Re-copied only when the package files change.
FONT_PACKAGE := node_modules/@fontsource-variable/source-serif-4
FONT_FILES := source-serif-4-latin-wght-normal.woff2 source-serif-4-latin-wght-italic.woff2
static/fonts/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund && \
		mkdir -p static/fonts && \
		for file in $(FONT_FILES); do cp $(FONT_PACKAGE)/files/$$file static/fonts/; done && \
		cp $(FONT_PACKAGE)/LICENSE static/fonts/source-serif-4-LICENSE.txt && touch $@; \
	else \
		echo "npm not found: keeping the committed fonts in static/fonts/."; \
	fi

install: $(VENV)/.installed $(BROWSER_TESTS)/node_modules/.installed static/fonts/.installed

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py create_demo_users --address http://$(HOST):$(PORT)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite in PYTEST_WORKERS processes (pytest-xdist, each with its own test database;
# 0 runs it in this process), the browser tests, which drive one Chromium against a live
# server, on their own, then the references app's tests again without the articles app
# installed (tests/references/standalone_settings.py): the app stands alone.
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not browser"
	@if [ "$(BROWSER_TESTS_RUN)" = 1 ]; then $(BIN)/python -m pytest -m browser; fi
	$(BIN)/python -m pytest --ds=tests.references.standalone_settings --no-migrations tests/references

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# Not part of `make test`: serves the site with gunicorn on a private PostgreSQL cluster made for
# the run, drives it with wrk, then stops and freezes PostgreSQL for a few seconds each to check
# the 503 page and the recovery.
load: install
	benchmarks/load.sh

# Not part of `make test` either: each benchmark makes and removes its own throwaway database,
# except benchmarks/scale.py, which keeps hsl_bench_10k and hsl_bench_100k for the next run.
bench: install
	@set -e; for benchmark in benchmarks/[!_]*.py; do echo "== $$benchmark"; $(BIN)/python $$benchmark; done

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
	rm -rf $(BROWSER_TESTS)/node_modules $(BROWSER_TESTS)/artifacts
