# Loa — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(EXTRA)

.PHONY: run test test-fast lint smoke bench clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[central,station,broker]'
	touch $@

$(VENV)/.installed-dev: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

## make run: central with demo data + one enrolled station agent, embedded defaults, under ./var/
run: $(VENV)/.installed-run
	$(BIN)/python scripts/run_demo.py --var var

## make test: the whole suite (e2e, browser and postgres tests included when their parts exist)
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not e2e and not browser" $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

## make smoke: build the sdist and wheel, install the wheel into a fresh venv, run central + station from it
smoke: $(VENV)/.installed-dev
	$(BIN)/python scripts/smoke_install.py

bench: $(VENV)/.installed-dev
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache build dist loa.egg-info
