# fireops — the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: setup demo serve test test-pg lint bench

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

demo: setup          ## build an agency and run one month end to end, then serve the verify page
	$(VENV)/bin/fireops demo --serve

serve: setup
	$(VENV)/bin/fireops serve

test: setup          ## the whole suite on SQLite (PostgreSQL when FIREOPS_TEST_DATABASE_URL is set)
	$(VENV)/bin/python -m pytest

test-pg: setup       ## the whole suite on the local PostgreSQL server
	FIREOPS_TEST_DATABASE_URL=$(PG_URL) $(VENV)/bin/python -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy engine workflows api bots

bench: setup
	$(VENV)/bin/python bench/bench_month.py
