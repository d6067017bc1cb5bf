# The two commands of the README: `make run` and `make test`. Everything else is their set-up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint setup system-packages

run: setup
	$(PY) -m infra.launcher run

test: setup system-packages lint
	$(PY) -m infra.launcher test $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

# Chromium (end-to-end tests) and the Arabic fonts WeasyPrint needs, from Debian, when missing.
system-packages:
	@bash infra/system-packages.sh
