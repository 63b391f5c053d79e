# Fairpanel. `make run` and `make test` need only Python 3.11+ and make: they create the virtual
# environment from the lock file and start PostgreSQL and Redis themselves unless DATABASE_URL and
# REDIS_URL name real servers.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONPATH := $(CURDIR)

.PHONY: help install run test lint format messages check-deploy clean bench

help:
	@echo "make run     start Fairpanel (web, worker, beat) with the demo data on http://127.0.0.1:8000"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff, ruff format --check, mypy, import layers, structure, makemigrations --check"
	@echo "make bench   run the benchmarks under bench/"

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/uv --version 2>/dev/null | grep -q "$(UV_VERSION)" || $(PY) -m pip install -q "uv==$(UV_VERSION)"
	$(VENV)/bin/uv sync --frozen --inexact
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m scripts.run

# The browser tests need Chromium: scripts/browser.py finds one (or has Playwright fetch one) first,
# and stops with one instruction, before any test runs, when it cannot.
test: install
	@CHROMIUM_PATH="$$($(PY) -m scripts.browser)" && export CHROMIUM_PATH && \
	  $(PY) -m scripts.services -- $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m scripts.lint_structure
	$(PY) -m scripts.services -- $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Each app with its own locale/ gets its own catalogue; the rest goes to locale/. tests/test_translations.py
# runs the same makemessages and fails on a message missing, untranslated or fuzzy in any catalogue.
messages: install
	$(PY) manage.py makemessages -l fr --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=clients \
	  --ignore=tests --ignore=bench --ignore=scripts
	$(PY) manage.py compilemessages --ignore=.venv

bench: install
	$(PY) -m scripts.services -- $(PY) bench/run.py

clean:
	rm -rf $(VENV) .data staticfiles .mypy_cache .ruff_cache .pytest_cache
