# Two commands do everything on a fresh machine with Python 3.11:
#   make demo   bring the whole platform up with demo data (embedded PostgreSQL unless DATABASE_URL is set)
#   make test   lint, type-check and run every test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.PHONY: install demo test lint chromium dbt-parse bench clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(BIN)/uv pyproject.toml uv.lock
	$(BIN)/uv sync --frozen
	touch $@

# dagster-dbt reads dbt_project/target/manifest.json when the definitions load.
dbt-parse: $(VENV)/.synced
	cd dbt_project && ../$(BIN)/dbt parse --profiles-dir . --quiet

install: $(VENV)/.synced dbt-parse

demo: install
	$(BIN)/marketplace demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/deptry .

# The browser tests drive Debian's Chromium; install it from apt when missing (never `playwright install`).
chromium:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

test: lint chromium
	$(BIN)/pytest

# Every DESIGN §11 target in one table (BENCH_ARGS=--quick for the API rows only).
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs .pytest_cache .mypy_cache .ruff_cache
