# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
OUT    ?= out/demo

.PHONY: demo test test-fast lint format lab bench clean venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP) $@

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m supplier_analytics score --deliveries data/sample/deliveries.csv --inspections data/sample/inspections.csv --requests data/sample/requests.csv --suppliers data/sample/suppliers.csv --exclusions data/sample/exclusions.csv --config data/sample/scoring.toml --out $(OUT)

test: $(DEVSTAMP)
	$(PY) -m pytest -n auto

# everything but the notebooks and the tests marked slow, for the edit-test loop
test-fast: $(DEVSTAMP)
	$(PY) -m pytest -n auto -m "not notebook and not slow"

lint: $(DEVSTAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

format: $(DEVSTAMP)
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

bench: $(DEVSTAMP)
	$(PY) bench/run.py
	$(PY) bench/simulate.py

clean:
	rm -rf $(VENV) out .pytest_cache
