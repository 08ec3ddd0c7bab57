# The README's commands. Everything is set up on first use: a pinned uv in .tools/,
# then the locked environment in .venv/ (nothing is installed outside the project).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint format lock clean

run: $(STAMP)
	$(VENV)/bin/mohinh plan check config/plan.yaml
	$(VENV)/bin/mohinh plan show config/plan.yaml

test: $(STAMP)
	$(VENV)/bin/ruff check flows tests
	$(VENV)/bin/ruff format --check flows tests
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check flows tests
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format flows tests
	$(VENV)/bin/ruff check --fix flows tests

lock: $(UV)
	$(UV) lock --python $(PYTHON)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

clean:
	rm -rf .tools $(VENV) .pytest_cache .mypy_cache .ruff_cache
