# The two commands of the README: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT ?= demo-output

.PHONY: demo test lint typecheck unit samples system-deps prism clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "cf-scim-audit needs Python 3.11 or newer (found $(PYTHON))" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/cf-scim-audit demo --out $(DEMO_OUT)

system-deps:
	sh scripts/install-system-deps.sh

# Stoplight Prism for tests/test_prism.py, into the git-ignored .tools/.
prism:
	sh scripts/install-prism.sh

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check reporter tests benchmarks
	$(BIN)/ruff format --check reporter tests benchmarks

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

unit: $(VENV)/.dev-installed system-deps prism
	$(BIN)/python -m pytest -n 2

test: lint typecheck unit

samples: $(VENV)/.installed
	$(BIN)/python -m reporter.samples sample_reports

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache

# Scale benchmark (issue 7): S,M,L by default; BENCH_ARGS='--sizes S,M,L,XL --runs 3 --xl-runs 1' for all four.
# The dev extra includes the bench extra (the smoke test runs in make test).
.PHONY: bench
bench: $(VENV)/.dev-installed system-deps
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)
