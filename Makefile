# Everything a new machine or CI needs is installed from here. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint format check clean load bench

help:
	@echo "make run    - install, migrate, load the demo content and serve on http://$(HOST):$(PORT)"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff check and ruff format --check"
	@echo "make format - ruff format and ruff check --fix"
	@echo "make bench  - run every benchmarks/*.py: exports, and pages against a static file (PostgreSQL, Redis, wrk)"
	@echo "make load   - load and database-outage test: gunicorn + PostgreSQL + wrk (benchmarks/load.sh)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when the requirement files change.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core for the accessibility tests, re-installed only when its package files change. Without
# npm the step is skipped, and those tests skip and say why (CI requires them to run).
BROWSER_TESTS := tests/browser
$(BROWSER_TESTS)/node_modules/.installed: $(BROWSER_TESTS)/package.json $(BROWSER_TESTS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(BROWSER_TESTS) --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found: skipping axe-core, so the accessibility tests will skip."; \
	fi

install: $(VENV)/.installed $(BROWSER_TESTS)/node_modules/.installed

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py create_demo_users --address http://$(HOST):$(PORT)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Two processes (pytest-xdist), each with its own test database; the browser tests, which
# drive one Chromium against a live server, then run on their own.
test: install
	$(BIN)/python -m pytest -n 2 -m "not browser"
	$(BIN)/python -m pytest -m browser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# Not part of `make test`: serves the site with gunicorn on a private PostgreSQL database,
# drives it with wrk, and stops PostgreSQL for a few seconds to check the 503 page and recovery.
load: install
	benchmarks/load.sh

# Not part of `make test` either: each benchmark makes and removes its own throwaway database.
bench: install
	@set -e; for benchmark in benchmarks/*.py; do echo "== $$benchmark"; $(BIN)/python $$benchmark; done

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
	rm -rf $(BROWSER_TESTS)/node_modules $(BROWSER_TESTS)/artifacts
