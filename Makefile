# One command per task. `make demo` and `make test` work on a fresh machine (Python 3.11, make, apt).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
VENDOR := xingcheng/web/static/vendor
ECHARTS_VERSION := 6.1.0
NATIVE := xingcheng/lake/native/xc.duckdb_extension

.PHONY: demo test test-sqlite test-postgres lint bench system-deps vendor native install clean

demo: $(STAMP) vendor
	@$(MAKE) --no-print-directory native || echo "warning: the lake's compiled checks were not built (no C compiler?); it validates with SQL alone, slower" >&2
	$(BIN)/xingcheng demo

test: $(STAMP) vendor system-deps native lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP) native
	XINGCHENG_TEST_DB=sqlite $(BIN)/pytest

test-postgres: $(STAMP) native
	XINGCHENG_TEST_DB=postgresql $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP) native
	$(BIN)/python bench/bench_synth.py

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Front-end libraries come from the npm registry at set-up time, never from a CDN at run time.
vendor: $(VENDOR)/echarts.min.js

$(VENDOR)/echarts.min.js:
	bash scripts/vendor.sh $(VENDOR) $(ECHARTS_VERSION)

# The lake's compiled validation checks, a DuckDB extension of this project (decision 0037): compiled with the
# C compiler against the header of the pinned DuckDB release, fetched from PyPI and checked by its SHA-256.
native: $(NATIVE)

$(NATIVE): $(STAMP) xingcheng/lake/native/xc.c scripts/build-native.py
	$(BIN)/python scripts/build-native.py

# Chromium, CJK fonts, PostgreSQL and Mosquitto for the tests that use them (installed when missing).
system-deps:
	bash scripts/system-deps.sh

clean:
	rm -rf $(VENV) $(VENDOR) $(NATIVE) build .pytest_cache .ruff_cache
