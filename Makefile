# mlgrade: `make demo` grades the shipped samples and writes their report, `make test` runs the test suite.
# Both set up .venv first, with torch pinned through constraints.txt (the CPU build here).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt

.PHONY: install catalogs demo test test-fast lint format clean

# The translations (grader/i18n.py): each language's .po is a source, kept in the repository; the
# .mo mlgrade reads is compiled from it, by the package build (setup.py) and again here whenever
# the .po is newer, so that an editable checkout never reads a stale one.
LOCALE := grader/locale
PO := $(wildcard $(LOCALE)/*/LC_MESSAGES/mlgrade.po)
MO := $(PO:.po=.mo)

install: $(VENV)/.installed $(MO)

$(VENV)/.installed: pyproject.toml setup.py constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[dev,nbgrader,report]'
	touch $@

$(LOCALE)/%/LC_MESSAGES/mlgrade.mo: $(LOCALE)/%/LC_MESSAGES/mlgrade.po $(VENV)/.installed
	$(BIN)/pybabel compile -d $(LOCALE) -D mlgrade -l $*

# For contributors, after marking strings: the marked strings extracted (grader/locale/mlgrade.pot),
# merged into each language's .po (translate the new entries there, then run it again) and compiled.
catalogs: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 -k N_ -k pgettext:1c,2 --add-comments=NOTE --no-location --sort-by-file \
		--project mlgrade --copyright-holder mlgrade -o $(LOCALE)/mlgrade.pot .
	$(BIN)/pybabel update -i $(LOCALE)/mlgrade.pot -d $(LOCALE) -D mlgrade --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALE) -D mlgrade --statistics

# the demo class (the references and samples/buggy_student), graded for week3 of the example
# course file, and its class report. Grading requires the bubblewrap sandbox (SECURITY.md);
# where it cannot run, the demo says so and grades at process level with --no-sandbox.
COURSE := --course examples/mlgrade.toml --assignment week3

demo: install
	$(BIN)/mlgrade list $(COURSE)
	@if $(BIN)/python -c 'import sys; from grader.isolation import sandbox; sys.exit(sandbox.sandbox_problem() is not None)'; then \
		$(BIN)/mlgrade grade solutions samples/buggy_student --details --out grades/demo --fresh $(COURSE); \
	else \
		echo "make demo: the bubblewrap sandbox cannot run here, so the demo grades with --no-sandbox (process level only; see SECURITY.md)"; \
		$(BIN)/mlgrade grade solutions samples/buggy_student --details --out grades/demo --fresh --no-sandbox $(COURSE); \
	fi
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
