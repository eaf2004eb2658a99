# The project's vocabulary. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The local SMTP sink `make run` starts (scripts/mail_sink.py): messages land in var/mail/.
MAIL_PORT ?= $(shell echo $$(( $(PORT) + 1025 )))
DEMO_DAYS ?= 120
export DATABASE_URL ?= sqlite:///$(CURDIR)/var/travelguru.sqlite3

.PHONY: run serve test test-sqlite test-mariadb test-frontend frontend lint fmt check-migrations api-schema \
	sysdeps lock clean bench bench-analytics package infra-lint bandit typecheck audit-deps fuzz fuzz-ci fuzz-hostile surge \
	deploy rollback rehearse

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

# The traveler app: `npm ci` when the lock file changes, `vite build` when a source changes
# (so re-runs skip both). VITE_API_BASE=https://api.example.com make -B frontend builds for
# an API on another origin (default: same-origin /api).
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	@bash scripts/nodedeps.sh
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run --silent build

frontend: frontend/dist/index.html

# The OpenAPI schema the front-end's API types are generated from (openapi-typescript, in
# `npm run build`). A test fails while it differs from what the API classes say: after a
# change to an answer's shape, run this and commit the file.
api-schema: $(VENV)/.dev-installed
	DJANGO_SETTINGS_MODULE=travelguru.settings.test $(BIN)/python manage.py spectacular \
		--format openapi-json --fail-on-warn --file frontend/src/schema/openapi.json

# Unit tests of the app's logic (formatting, countdown, basket) with Vitest.
test-frontend: frontend/node_modules/.installed
	cd frontend && npm test --silent

run: $(VENV)/.base-installed frontend/dist/index.html
	@mkdir -p var
	$(BIN)/python scripts/ensure_database.py
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py load_demo_data --if-empty --days $(DEMO_DAYS)
	$(BIN)/python manage.py sync_search_index
	@$(BIN)/python manage.py demo_banner --port $(PORT)
	@echo "Mail: a local SMTP sink on 127.0.0.1:$(MAIL_PORT) keeps what the site sends in var/mail/ (admin: Messages)."
	$(BIN)/python scripts/mail_sink.py --port $(MAIL_PORT) --dir var/mail & \
	EMAIL_HOST=127.0.0.1 EMAIL_PORT=$(MAIL_PORT) SITE_URL=http://127.0.0.1:$(PORT) \
	exec $(BIN)/gunicorn travelguru.wsgi -c python:travelguru.gunicorn_conf \
		--bind 127.0.0.1:$(PORT) --workers 2 --threads 4 \
		--access-logfile - --timeout 30

# The end-to-end tests (tests/e2e, Chromium) drive the built app; SKIP_VITEST=1 leaves the
# Vitest run out (CI runs it once in its own step).
test: $(VENV)/.dev-installed frontend/dist/index.html
	@bash scripts/testdeps.sh
	@[ -n "$(SKIP_VITEST)" ] || $(MAKE) --no-print-directory test-frontend
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# Python (ruff) and the front-end (ESLint with typescript-eslint, Prettier).
lint: $(VENV)/.dev-installed frontend/node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd frontend && npm run --silent lint

fmt: $(VENV)/.dev-installed frontend/node_modules/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cd frontend && npm run --silent format

# Static security scan: medium and high findings fail; each `# nosec` names its test and why.
bandit: $(VENV)/.dev-installed
	$(BIN)/bandit -c pyproject.toml -r . -q --severity-level medium

# mypy with the Django and DRF plugins (pyproject.toml): bookings/ and accounts/ strict with no
# error; elsewhere no error beyond mypy-baseline.txt, which only shrinks. See the script.
typecheck: $(VENV)/.dev-installed
	BIN=$(BIN) bash scripts/typecheck.sh

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

# Issue 10's figures: search latency vs its SQL floor, hold+book A/B/C throughput, cold
# start vs a bare project, queries per request, package size -> bench/results/latest.md.
# Loads --scale 10 --days 30 into MariaDB and into SQLite once each (reused); the search and
# queries sections run on both. BENCH_ARGS=--quick for a smoke run, --no-sqlite for MariaDB
# only. Cold start needs `make package` first (skipped, and said so, without it).
# Issue 20's sections: growth (scale 10 vs 50, databases <db>_s10/_s50 loaded once) and
# booking_db (its own mariadbd in var/bench-mariadb on loopback port 3399, stopped after).
BENCH_MARIADB_URL ?= mysql://root@127.0.0.1:3306/tg_bench
BENCH_SQLITE_URL ?= sqlite:///$(CURDIR)/var/bench.sqlite3
BENCH_ARGS ?=
bench: $(VENV)/.dev-installed var/package/travelguru-prod.zip
	@mkdir -p var
	$(BIN)/python bench/run.py --database-url $(BENCH_MARIADB_URL) \
		--sqlite-url $(BENCH_SQLITE_URL) --port $(BENCH_PORT) $(BENCH_ARGS)

# The Lambda zip (var/package/travelguru-$(STAGE).zip): `zappa package` from its own lean
# environment (var/.package-venv), plus bytecode; fails past 40 MB zipped or when a compiled
# extension needs a library Lambda does not have. See scripts/package.sh.
STAGE ?= prod
package:
	STAGE=$(STAGE) PYTHON=$(PYTHON) bash scripts/package.sh
# The bench's cold start measures the prod zip: built once if missing (`make package` rebuilds).
var/package/travelguru-prod.zip:
	STAGE=prod PYTHON=$(PYTHON) bash scripts/package.sh

# Every stack, the function, migrations, static files, the front-end, a search sync and a
# health check, in order (infra/deploy.py; stage settings in infra/stages/$(STAGE).json).
# Builds the package and the front-end first; ZIP=path deploys an existing zip instead (e.g.
# CI's) without rebuilding; FROM=step resumes a failed run at that step (past `function` the
# package is not needed, so not rebuilt).
ZIP ?=
FROM ?=
STEPS_USING_PACKAGE := preflight storage network database secrets app-role zappa-settings \
	search function
deploy: $(VENV)/.base-installed frontend/dist/index.html
	$(if $(or $(ZIP),$(filter-out $(STEPS_USING_PACKAGE),$(FROM))),,\
		$(MAKE) --no-print-directory package STAGE=$(STAGE))
	$(BIN)/python -m infra.deploy deploy --stage $(STAGE) $(if $(ZIP),--zip $(ZIP)) \
		$(if $(FROM),--from $(FROM))

# The function back by VERSIONS (1) of Zappa's retained versions, then the health check.
VERSIONS ?= 1
rollback: $(VENV)/.base-installed
	$(BIN)/python -m infra.deploy rollback --stage $(STAGE) --versions $(VERSIONS)

# The deploy command, unchanged, against a local AWS twin on loopback (moto's server, a
# Lambda twin running the zip, an edge twin, MariaDB as Aurora): first deploy, release,
# traffic, every schedule, rollback, then every AWS call the function made judged by its
# role and boundary. Ends with what the twin cannot prove. See infra/rehearse/.
rehearse: $(VENV)/.dev-installed frontend/dist/index.html var/package/travelguru-prod.zip
	$(BIN)/python -m infra.rehearse

# CloudFormation gates: cfn-lint (no errors) and checkov (no failed check; each skip in a
# template says why), offline, from their own environment: checkov's pins clash with ours.
INFRA_VENV := var/checkov-venv
$(INFRA_VENV)/.installed: requirements/infra-tools.txt
	rm -rf $(INFRA_VENV)
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install --quiet -r requirements/infra-tools.txt
	touch $@

infra-lint: $(INFRA_VENV)/.installed
	$(INFRA_VENV)/bin/cfn-lint infra/*.yaml
	$(INFRA_VENV)/bin/checkov -d infra --framework cloudformation --skip-download --compact \
		--quiet --external-checks-dir infra/checkov
	@# The custom boundary policy must really catch a role without one.
	@if $(INFRA_VENV)/bin/checkov -f tests/infra/fixtures/role-without-boundary.yaml \
		--framework cloudformation --skip-download --quiet --compact \
		--external-checks-dir infra/checkov --check CKV_TG_1 >/dev/null; then \
		echo "CKV_TG_1 did not catch a role without a permissions boundary" >&2; exit 1; fi

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

# Hostile input, in-process: every operation of the schema gets every hostile shape (deep or
# broken JSON, lone surrogates, huge numbers, odd paths, queries and headers) plus
# hypothesis mixes, and tampered offers; never a 5xx, every error problem+json. `make test`
# runs the same files with fewer examples; .ci/run runs this on MariaDB.
HOSTILE_FUZZ_EXAMPLES ?= 25
HOSTILE_FUZZ_TESTS := tests/travelguru/test_hostile_fuzz.py tests/travelguru/test_hostile_input.py \
	tests/search/test_offer_tampering.py tests/travelguru/test_gunicorn_errors.py
fuzz-hostile: $(VENV)/.dev-installed
	HOSTILE_FUZZ_EXAMPLES=$(HOSTILE_FUZZ_EXAMPLES) $(BIN)/pytest -n 2 $(HOSTILE_FUZZ_TESTS)

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
	rm -rf $(VENV) var .pytest_cache frontend/node_modules frontend/dist test-results
