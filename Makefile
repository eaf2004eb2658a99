# The project's vocabulary. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_DAYS ?= 120
export DATABASE_URL ?= sqlite:///$(CURDIR)/var/travelguru.sqlite3

.PHONY: run serve test test-sqlite test-mariadb lint fmt check-migrations sysdeps lock clean \
	bench-analytics fuzz fuzz-ci surge

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

# schemathesis against our OpenAPI schema on gunicorn + MariaDB, anonymous and logged in
# (scripts/fuzz_api.sh). `fuzz-ci` is .ci/run's bounded run; `fuzz` goes deeper.
FUZZ_PORT ?= 18710
FUZZ_DB_NAME ?= tg_fuzz
fuzz: $(VENV)/.dev-installed
	FUZZ_EXAMPLES=150 FUZZ_MAX_TIME=600 FUZZ_PORT=$(FUZZ_PORT) FUZZ_DB_NAME=$(FUZZ_DB_NAME) \
		bash scripts/fuzz_api.sh
fuzz-ci: $(VENV)/.dev-installed
	FUZZ_EXAMPLES=15 FUZZ_MAX_TIME=45 FUZZ_PORT=$(FUZZ_PORT) FUZZ_DB_NAME=$(FUZZ_DB_NAME) \
		bash scripts/fuzz_api.sh

# Surge (figures, not pass/fail): locust ramps 1 -> 200 searching and booking travelers
# against gunicorn + MariaDB, then checks nothing was oversold or charged wrongly; writes
# bench/results/surge-<date>.md/.csv. locust lives in its own venv (gevent pins).
SURGE_PORT ?= 18720
SURGE_DB_NAME ?= tg_surge
SURGE_RUN_TIME ?= 130s
var/locust-venv/bin/locust: bench/surge/requirements.txt
	$(PYTHON) -m venv var/locust-venv
	var/locust-venv/bin/pip install --quiet -r bench/surge/requirements.txt
	touch $@
surge: $(VENV)/.dev-installed var/locust-venv/bin/locust
	SURGE_PORT=$(SURGE_PORT) SURGE_DB_NAME=$(SURGE_DB_NAME) SURGE_RUN_TIME=$(SURGE_RUN_TIME) \
		$(BIN)/python bench/surge/run.py

# Re-pin requirements/*.txt from requirements/*.in in a throwaway environment.
lock:
	bash scripts/lock.sh

clean:
	rm -rf $(VENV) var .pytest_cache
