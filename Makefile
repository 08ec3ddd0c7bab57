# The README's commands. Everything is set up on first use: a pinned uv in .tools/,
# then the locked environment in .venv/ (nothing is installed outside the project).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced
export UV_PYTHON_DOWNLOADS := never
# Byte-code compiled at install: every command starts in half the time.
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test bench bench-national lint format lock clean

RUN := .run

# Checks the default plan, then takes the sample submissions in, round by round, as if each
# round's files were dropped on the day the round's folder is named after (feedback sheets for
# flawed files go to the outbox), then runs one full Prefect cycle (intake, reminder letters,
# consolidated report) a week after the last due date.
REPORT_DAY := 2017-11-27
MOHINH := $(VENV)/bin/mohinh
DIRS := --state $(RUN)/state --outbox $(RUN)/outbox

run: $(STAMP)
	$(MOHINH) plan check config/plan.yaml
	rm -rf $(RUN) && mkdir -p $(RUN)/inbox
	for round in samples/*/; do \
		day=$$(basename $$round); \
		cp -p "$$round"* $(RUN)/inbox/ && \
		$(MOHINH) intake --plan config/plan.yaml --inbox $(RUN)/inbox $(DIRS) \
			--as-of $$day --settle 0 --min-age 0 || exit 1; \
	done
	$(MOHINH) status --plan config/plan.yaml --state $(RUN)/state --as-of $(REPORT_DAY)
	$(MOHINH) run --plan config/plan.yaml --inbox $(RUN)/inbox $(DIRS) --as-of $(REPORT_DAY) \
		--settle 0 --min-age 0

# bench/national.py at its small size (3,000 communes, 4,000 files); bench-national at the
# issue's size (10,000 communes, 40,000 files, 3,000 letters). See bench/RESULTS.md.
bench: $(STAMP)
	$(VENV)/bin/python bench/intake.py
	$(VENV)/bin/python bench/documents.py
	$(VENV)/bin/python bench/cycle.py
	$(VENV)/bin/python bench/national.py

bench-national: $(STAMP)
	$(VENV)/bin/python bench/national.py --sites 10000 --files 40000 --letters 3000 --naive 300

test: $(STAMP)
	$(VENV)/bin/ruff check flows tests bench samples templates
	$(VENV)/bin/ruff format --check flows tests bench samples templates
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check flows tests bench samples templates
	$(VENV)/bin/ruff format --check flows tests bench samples templates
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format flows tests bench samples templates
	$(VENV)/bin/ruff check --fix flows tests bench samples templates

lock: $(UV)
	$(UV) lock --python $(PYTHON)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

clean:
	rm -rf .tools $(VENV) $(RUN) .pytest_cache .mypy_cache .ruff_cache
