# Record CPD. `make run` serves the app; `make test` runs every test.
# Both set themselves up from nothing: a virtual environment, the Python packages and
# (for tests only) Node packages and Debian's Chromium.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 2
PYTEST_ARGS ?=
# make test runs the suite in two processes, one per core (pytest-xdist); tests that share an
# expensive module fixture (the cluster, clamd) stay on one worker
# (xdist_group). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadgroup)

.PHONY: run test test-postgres lighthouse lint format css install install-test browsers db-upgrade db-check clean lock audit run-cluster nginx

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Every Python package, transitive ones included, comes from requirements.lock with its
# hashes (pip refuses anything else); the app itself is then installed without resolving.
# One lock for the service and its test tools: `make lock` rewrites it from pyproject.toml.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed node_modules/.installed browsers nginx

lock: $(VENV)/.installed
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 \
	  --quiet --no-header -o requirements.lock

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium (Playwright cannot download its own browser on these machines),
# lynx, the text browser one test drives with a keystroke script, Dillo and NetSurf
# (old engines, screenshot under Xvfb by tests/integration/test_old_engines.py), and
# ClamAV's daemon, which one test starts with its own EICAR signature (no download).
browsers:
	@missing=""; \
	if [ -z "$$CHROMIUM_PATH" ] || [ ! -x "$$CHROMIUM_PATH" ]; then \
	  command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	fi; \
	command -v lynx >/dev/null 2>&1 || missing="$$missing lynx"; \
	command -v dillo >/dev/null 2>&1 || missing="$$missing dillo"; \
	command -v netsurf-gtk >/dev/null 2>&1 || missing="$$missing netsurf-gtk"; \
	command -v xvfb-run >/dev/null 2>&1 || missing="$$missing xvfb xauth"; \
	command -v import >/dev/null 2>&1 || missing="$$missing imagemagick"; \
	[ -x /usr/sbin/clamd ] || missing="$$missing clamav-daemon"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "Missing: $$missing. Install them (or set CHROMIUM_PATH to a Chromium binary)"; exit 1; \
	fi

db-upgrade: $(VENV)/.installed
	$(BIN)/flask --app wsgi db-upgrade

db-check: db-upgrade
	$(BIN)/flask --app wsgi db-check

run: db-upgrade
	$(BIN)/gunicorn --config python:app.gunicorn_conf --bind 127.0.0.1:$(PORT) --workers $(WORKERS) wsgi:app

# nginx in front of two app instances sharing PostgreSQL (a database it creates) and
# Redis, on http://127.0.0.1:$(PORT); see "Running several instances" in the README.
run-cluster: install nginx
	$(BIN)/python deploy/cluster.py --port $(PORT) --workers $(WORKERS)

# Debian's nginx, for run-cluster and the cluster test.
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null; \
	  else echo "Missing: nginx. Install it (apt-get install nginx-light)"; exit 1; fi; }

test: install-test
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# Lighthouse (mobile preset) on the sign-in page, Your CPD and the structured form, against
# a gunicorn it starts itself: fails unless the median of 3 runs scores 100 for
# performance, accessibility and best practices. Bounded: about 2 minutes here.
lighthouse: install-test
	timeout 900 $(BIN)/python bench/lighthouse.py

# What depends on the database engine, again on PostgreSQL (in a database the run creates
# and drops): the database tests without a browser, and the few browser journeys marked
# postgres_journey (each says why it was chosen). Browsers, lynx and the old engines
# draw the same pages whatever the engine: they run once, in `make test`.
test-postgres: install-test
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
	  $(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "(db and not browser) or postgres_journey" $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check app tests $(wildcard bench) deploy migrations wsgi.py
	$(BIN)/ruff format --check app tests $(wildcard bench) deploy migrations wsgi.py
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.installed
	$(BIN)/ruff check --fix app tests $(wildcard bench) deploy migrations wsgi.py
	$(BIN)/ruff format app tests $(wildcard bench) deploy migrations wsgi.py

# Known vulnerabilities in the locked packages. pip-audit's databases (PyPI's JSON API, OSV)
# are not reachable from every machine: then it says so loudly and nothing is claimed.
audit: $(VENV)/.installed
	$(BIN)/python .ci/audit_dependencies.py

# Rebuild static/css/app.css and the vendored JavaScript from the pinned npm packages.
css: node_modules/.installed
	npm run build

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
