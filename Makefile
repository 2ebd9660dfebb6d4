# Two commands on a fresh machine: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/letters draft samples/amira-second-review.yaml --config samples/letters.toml --out drafts/amira --force
	@echo
	@echo "---- drafts/amira/letter.md ----"
	@cat drafts/amira/letter.md
	@echo
	@echo "letters is installed in $(VENV), which is not on your PATH. Run it as"
	@echo "  $(BIN)/letters --help"
	@echo "or activate it first (once per terminal), then type letters ...:"
	@echo "  source $(BIN)/activate"

lint: $(STAMP)
	$(BIN)/ruff check letters tests $(wildcard benchmarks)
	$(BIN)/ruff format --check letters tests $(wildcard benchmarks)
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) drafts .pytest_cache .mypy_cache .ruff_cache
