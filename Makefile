# Bosai Hub — the two commands: `make demo` and `make test`. `make help` lists the others.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  := .venv
PY    := $(VENV)/bin/python
BOSAI := $(VENV)/bin/bosai
STAMP := $(VENV)/.installed

# Tests create their own databases (named after this one) on this server.
export BOSAI_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bosai_test
PYTEST_ARGS ?=

.PHONY: help install i18n i18n-build services migrate demo lint test screenshots bench clean

help:
	@echo "make demo      set up everything, load the four wards' data, run hub + ingest + worker + simulator"
	@echo "make test      set up everything, lint, run the test suite (PYTEST_ARGS='-k ...' to select)"
	@echo "make install   virtualenv in $(VENV) with the project and its dev tools"
	@echo "make i18n      after adding or changing a string: pybabel extract + update hub/locales, then i18n-build"
	@echo "make i18n-build  pybabel compile hub/locales (.mo) and write the map's and console's JSON (make install runs it)"
	@echo "make services  install/start PostgreSQL + PostGIS and Mosquitto (scripts/services.sh)"
	@echo "make migrate   migrate the database (BOSAI_DATABASE_URL)"
	@echo "make lint      ruff check, ruff format --check, mypy"
	@echo "make screenshots  refresh docs/screenshots from the browser tests (make test writes them to /tmp)"
	@echo "make bench     every benchmark (python -m bench; BENCHES='ingest api' to select), each beside its baseline"
	@echo "make clean     remove the virtualenv and caches"

# --- virtualenv: pip runs again only when pyproject.toml changes -------------------------------------------------
$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) i18n-build

# --- translations: hub/locales/<locale>/LC_MESSAGES/<domain>.po, one domain per package (see babel.cfg) ----------
I18N_DOMAINS := maps console alerts
PYBABEL := $(VENV)/bin/pybabel

# .mo and browser JSON are build products (not committed): compiled on every install, so a clean clone works.
i18n-build: $(STAMP)
	$(BOSAI) i18n build

i18n: $(STAMP)
	set -e; for d in $(I18N_DOMAINS); do \
	  $(PYBABEL) -q extract -F babel.cfg --project "Bosai Hub" --version 0.1 -w 120 -o hub/locales/$$d.pot $$d; \
	  $(PYBABEL) -q update -i hub/locales/$$d.pot -d hub/locales -D $$d -w 120 --no-fuzzy-matching --ignore-obsolete; \
	done
	$(MAKE) i18n-build

# --- services and database ---------------------------------------------------------------------------------------
services:
	bash scripts/services.sh

migrate: install services
	$(BOSAI) db upgrade

# --- the demo: runs in the foreground until Ctrl-C ---------------------------------------------------------------
demo: migrate
	$(BOSAI) demo load
	$(BOSAI) demo run

# --- checks ------------------------------------------------------------------------------------------------------
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

test: install services lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

screenshots: install services
	BOSAI_UPDATE_SCREENSHOTS=1 $(VENV)/bin/pytest tests/maps/test_screens.py tests/console/test_screens.py

BENCHES ?= ingest api fanout map hazard

bench: migrate
	set -e; for b in $(BENCHES); do echo "== python -m bench $$b"; $(PY) -m bench $$b; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
