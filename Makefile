# The commands (see README.md):
#   make demo   run the console on the embedded AWS emulator with the demo world
#   make serve  run the console in production: migrate, collect static files, gunicorn (no emulator)
#   make test   run the whole test suite (installs what it needs, Chromium and PostgreSQL included)
#   make mutation  mutation score of the security modules' tests (scripts/mutation.py)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo serve test lint mutation chromium postgresql

demo: $(VENV)/.installed
	@$(PY) manage.py demo

serve: $(VENV)/.installed
	@$(PY) manage.py serve

# The whole suite on SQLite, then the integration and concurrency tests again on PostgreSQL:
# TEST_POSTGRES_URL's server when set, else a throwaway cluster (scripts/with_postgres.py).
test: $(VENV)/.installed-dev chromium postgresql
	$(PY) -m pytest
	$(PY) scripts/with_postgres.py $(PY) -m pytest -m "(integration or concurrency) and not browser"

# Inject one bug at a time into the security modules and report how many the tests catch.
mutation: $(VENV)/.installed-dev
	$(PY) scripts/mutation.py

# Ruff (lint and format) and mypy (files and settings in pyproject.toml); CI runs it before the tests.
lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

# Browser tests drive Debian's Chromium (Playwright's own browser download is not available).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests..."; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL for the throwaway test cluster, unless TEST_POSTGRES_URL names a server.
postgresql:
	@[ -n "$$TEST_POSTGRES_URL" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "Installing Debian's postgresql for the database tests..."; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql >/dev/null; }
