# Two commands do everything on a fresh machine (Python 3.11+ and apt only):
#   make demo   simulate a small city, build the warehouse, serve the dashboards
#   make test   lint (ruff, sqlfluff) and run every test, starting a throw-away PostgreSQL when none is set
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_COMPILE_BYTECODE := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: setup demo test lint pytest simulate build dashboards ui clean

# uv resolves and installs the locked set in seconds; it lives in its own small venv
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --quiet: no line per package installed (errors still print)
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --quiet --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced

demo: setup
	$(VENV)/bin/emias demo

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/sqlfluff lint dbt_project --disable-progress-bar

pytest: setup
	bash .ci/with-postgres $(VENV)/bin/pytest

test: lint pytest

clean:
	rm -rf data dbt_project/target-* dbt_project/logs .pytest_cache
