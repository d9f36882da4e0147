# Two entry points for a fresh machine: `make run` and `make test`.
# Each creates .venv itself and installs the pinned dependencies into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@ $(VENV)/.run-deps

# The main job: the calibrated historical scenario and its report, then the explorer
# (a web page on this machine only: http://127.0.0.1:8050, Ctrl+C to stop).
run: $(VENV)/.run-deps
	$(BIN)/kazind warm
	$(BIN)/kazind run historical --out out/historical
	$(BIN)/kazind fit-report --format html --out out/fit-report.html
	$(BIN)/kazind fit-report
	@echo "Opening the explorer: http://127.0.0.1:8050 (Ctrl+C to stop)"
	$(BIN)/kazind serve --host 127.0.0.1 --port 8050

# axe-core for the browser tests (and the Node packages the data scripts read), as
# package-lock.json pins them.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

# pytest exits 5 when it collected no test, which fails this target as it should.
# `kazind warm` first: the full model's fused kernels compile side by side (minutes on a
# fresh machine, once), not one after the other inside the suite.
test: lint node_modules/.package-lock.json
	$(BIN)/kazind warm
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis node_modules
