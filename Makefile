# Yiwang: `make demo` runs the platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
BENCH  ?=
# Two cores on the reference machine; more workers only add start-up cost.
PYTEST_WORKERS ?= 2
VENDOR := yiwang/static/vendor

export YIWANG_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo serve test lint bench install assets messages clean help

help:
	@echo "make demo   - install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff + mypy"
	@echo "make bench  - run every benchmark in bench/ (BENCH=name runs one)"
	@echo "make serve  - serve without reloading demo data"

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	@touch $@

assets: $(VENDOR)/.installed

demo: install assets
	$(BIN)/yiwang migrate --no-input
	$(BIN)/yiwang demo
	$(BIN)/yiwang serve --port $(PORT)

serve: install assets
	$(BIN)/yiwang migrate --no-input
	$(BIN)/yiwang serve --port $(PORT)

test: install assets
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	@set -e; for f in bench/bench_*.py; do \
	  name=$$(basename $$f .py); name=$${name#bench_}; \
	  if [ -z "$(BENCH)" ] || [ "$(BENCH)" = "$$name" ]; then $(BIN)/python $$f; fi; \
	done

messages: install
	cd yiwang && ../$(BIN)/yiwang makemessages -l en --no-obsolete
	cd yiwang && ../$(BIN)/yiwang compilemessages

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
