PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core, the accessibility engine the survey pages' browser test loads (tests/localcap/axe.py),
# installed from package-lock.json when missing or older than it (touched: npm may unpack files
# with the package's own old dates).
AXE := node_modules/axe-core/package.json

.PHONY: demo test properties lint bench clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $(AXE); \
	elif [ -n "$$CI" ]; then echo "npm is missing: CI runs the accessibility check" >&2; exit 1; \
	else echo "npm not found: the survey pages' accessibility check will be skipped" >&2; fi

demo: $(STAMP)
	$(BIN)/qiscan demo --out out

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Every test, on as many processes as the machine has cores: a test module stays in one process
# (its module-scoped servers and demo run once), and each test keeps its own files, ports and
# PostgreSQL schema, so they never meet.
test: lint $(AXE)
	$(BIN)/python -m pytest -n auto --dist loadfile

# The property tests once more, randomised: new examples on every run (the "random" profile in
# tests/conftest.py), where `make test` runs the same derandomised ones each time. Only the
# Hypothesis tests (pytest's "hypothesis" marker) of the files that import it.
PROPERTY_TESTS = $(shell grep -rl --include='test_*.py' 'from hypothesis' tests | sort)

properties: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -m hypothesis --hypothesis-profile=random \
	  $(PROPERTY_TESTS)

# Every benchmark of bench/, one after another, each printing its figures beside its peer or floor
# from the same run, as ratios, and whether it meets its goal (issue 16's table): the command
# line's start, branching logic and scale scores over 1,000,000 rows (beside R's
# psych::scoreFast when Rscript is installed), statistics of 10,000 x 100 against the pandas
# floor, the result endpoints under 20 and 50 clients, a 100,000-record pull against one PyCap
# export, and the demo. About 15 minutes on two cores; not part of `make test`.
bench: $(STAMP)
	$(BIN)/python bench/cli_bench.py
	$(BIN)/python bench/logic_bench.py 1000000
	$(BIN)/python bench/scoring_bench.py 1000000
	$(BIN)/python bench/statistics_bench.py 10000 --wall
	$(BIN)/python bench/service_bench.py
	$(BIN)/python bench/pull_bench.py
	$(BIN)/python bench/demo_bench.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis node_modules
