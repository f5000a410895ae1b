# One command per task. `make demo` and `make test` work on a fresh machine (Python 3.11, make, apt).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
VENDOR := xingcheng/web/static/vendor
ECHARTS_VERSION := 6.1.0

.PHONY: demo test test-sqlite test-postgres lint bench system-deps vendor install clean

demo: $(STAMP) vendor
	$(BIN)/xingcheng demo

test: $(STAMP) vendor system-deps lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP)
	XINGCHENG_TEST_DB=sqlite $(BIN)/pytest

test-postgres: $(STAMP)
	XINGCHENG_TEST_DB=postgresql $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
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

# Chromium, CJK fonts, PostgreSQL and Mosquitto for the tests that use them (installed when missing).
system-deps:
	bash scripts/system-deps.sh

clean:
	rm -rf $(VENV) $(VENDOR) .pytest_cache .ruff_cache
