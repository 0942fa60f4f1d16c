PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test properties lint clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/qiscan demo --out out

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

# The property tests once more, randomised: new examples on every run (the "random" profile in
# tests/conftest.py), where `make test` runs the same derandomised ones each time. Only the
# Hypothesis tests (pytest's "hypothesis" marker) of the files that import it.
PROPERTY_TESTS = $(shell grep -rl --include='test_*.py' 'from hypothesis' tests | sort)

properties: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -m hypothesis --hypothesis-profile=random \
	  $(PROPERTY_TESTS)

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
