# The two commands of the README: `make run` and `make test`. Everything else is their set-up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
LOCK := requirements.lock
# uv installs and resolves; its own version is the one the lock pins.
UV_VERSION = $(shell sed -n 's/^uv==\([^ ]*\).*/\1/p' $(LOCK))
COMPILE = $(UV) pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes \
	--quiet --custom-compile-command "make upgrade" --output-file $(LOCK)

.PHONY: run test lint static-test setup system-packages upgrade lock

run: setup
	$(PY) -m infra.launcher run

# The tests' static files are collected (when their sources changed) while lint runs.
test: setup system-packages
	@$(MAKE) --no-print-directory -j2 lint static-test
	$(PY) -m infra.launcher test $(PYTEST_ARGS)

static-test: setup
	$(PY) -m infra.launcher static-test

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# Models and migrations agree; the check needs no database (the address is never reached).
	DATABASE_URL=postgres://lint@localhost:1/none SECRET_KEY=lint $(PY) \
		-W "ignore:Got an error checking a consistent:RuntimeWarning" \
		manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --no-cache
	DATABASE_URL=postgres://lint@localhost:1/none SECRET_KEY=lint $(VENV)/bin/mypy

setup: $(VENV)/.installed

# Exactly the locked set (pyproject.toml holds the ranges, the lock the versions), hashes checked.
$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip sync --quiet --python $(PY) --require-hashes $(LOCK)
	$(UV) pip install --quiet --python $(PY) --no-deps --editable .
	touch $@

# The one deliberate way to take newer releases: re-resolve within pyproject.toml's ranges,
# install exactly that, and run the whole suite on it. Review and commit the lock's diff.
upgrade: setup
	$(COMPILE) --upgrade
	$(MAKE) test

# After a change to pyproject.toml's ranges: re-resolve, keeping locked versions that still fit.
lock: setup
	$(COMPILE)

# Chromium (end-to-end tests) and the Arabic fonts WeasyPrint needs, from Debian, when missing.
system-packages:
	@bash infra/system-packages.sh
