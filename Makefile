# mlgrade: `make demo` grades the shipped samples and writes their report, `make test` runs the test suite.
# Both set up .venv first, with torch pinned through constraints.txt (the CPU build here).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt

.PHONY: install demo test test-fast lint format clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[dev,nbgrader,report]'
	touch $@

# the demo class (the references and samples/buggy_student), graded for week3 of the example
# course file, and its class report
COURSE := --course examples/mlgrade.toml --assignment week3

demo: install
	$(BIN)/mlgrade list $(COURSE)
	$(BIN)/mlgrade grade solutions samples/buggy_student --details --out grades/demo --fresh $(COURSE)
	$(BIN)/mlgrade report grades/demo $(COURSE)

test: install
	$(BIN)/python -m pytest -n 2

test-fast: install
	$(BIN)/python -m pytest -n 2 -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) grades .pytest_cache .mypy_cache .ruff_cache
