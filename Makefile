# The project's vocabulary. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_DAYS ?= 120
export DATABASE_URL ?= sqlite:///$(CURDIR)/var/travelguru.sqlite3

.PHONY: run serve test test-sqlite test-mariadb lint fmt check-migrations sysdeps lock clean package infra-lint

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

# The Lambda zip (var/package/travelguru-$(STAGE).zip): `zappa package` from its own lean
# environment (var/package-venv), plus bytecode; fails past 40 MB zipped or when a compiled
# extension needs a library Lambda does not have. See scripts/package.sh.
STAGE ?= prod
package:
	STAGE=$(STAGE) PYTHON=$(PYTHON) bash scripts/package.sh

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

# Re-pin requirements/*.txt from requirements/*.in in a throwaway environment.
lock:
	bash scripts/lock.sh

clean:
	rm -rf $(VENV) var .pytest_cache
