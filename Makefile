# The project's vocabulary. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_DAYS ?= 120
export DATABASE_URL ?= sqlite:///$(CURDIR)/var/travelguru.sqlite3

.PHONY: run serve test test-sqlite test-mariadb lint fmt check-migrations sysdeps lock clean \
	bench-analytics bandit audit-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# mysqlclient compiles against the MariaDB client library; install it once if missing.
sysdeps:
	@bash scripts/sysdeps.sh

$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	@$(MAKE) --no-print-directory sysdeps
	$(BIN)/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: requirements/dev.txt requirements/base.txt | $(BIN)/python
	@$(MAKE) --no-print-directory sysdeps
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@ $(VENV)/.base-installed

run: $(VENV)/.base-installed
	@mkdir -p var
	$(BIN)/python scripts/ensure_database.py
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py load_demo_data --if-empty --days $(DEMO_DAYS)
	$(BIN)/python manage.py sync_search_index
	@$(BIN)/python manage.py demo_banner --port $(PORT)
	exec $(BIN)/gunicorn travelguru.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 \
		--access-logfile - --timeout 30

test: $(VENV)/.dev-installed
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Static security scan: medium and high findings fail; each `# nosec` names its test and why.
bandit: $(VENV)/.dev-installed
	$(BIN)/bandit -c pyproject.toml -r . -q --severity-level medium

# Known vulnerabilities in the pinned requirements, from PyPI's advisory data. --strict: a
# package that could not be checked (no answer from the service) fails, never passes.
audit-deps: $(VENV)/.dev-installed
	@$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off \
		--vulnerability-service pypi -r requirements/base.txt -r requirements/dev.txt || { \
		echo "pip-audit FAILED: a known vulnerability (upgrade the pin), or a package it could" \
			"not check because PyPI's JSON API is not reachable from" \
			"here. Either way this gate does not pass." >&2; exit 1; }

check-migrations: $(VENV)/.dev-installed
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=travelguru.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Figures, not pass/fail: per-search cost of analytics recording, with and without it.
BENCH_DATABASE_URL ?= sqlite:///$(CURDIR)/var/bench-analytics.sqlite3
BENCH_PORT ?= 8701
bench-analytics: $(VENV)/.dev-installed
	@mkdir -p var
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python scripts/ensure_database.py
	DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_PORT=$(BENCH_PORT) $(BIN)/python bench/analytics_overhead.py

# Re-pin requirements/*.txt from requirements/*.in in a throwaway environment.
lock:
	bash scripts/lock.sh

clean:
	rm -rf $(VENV) var .pytest_cache
