# Pasar Aspikmas: `make run` serves the shop, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test install install-dev lint bench bench-ledger bench-mixed bench-checkout lighthouse css clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Before the tests, in CI too: ruff, ruff's formatter, the types, the layers.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite runs on SQLite; with TEST_DATABASE_URL (PostgreSQL) it runs again there.
test: install-dev lint
	TEST_DATABASE_URL= POSTGRES_PASS_FOLLOWS=$(if $(TEST_DATABASE_URL),1,0) \
		$(BIN)/pytest --cov --cov-report=term:skip-covered
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
		echo "--- the same suite on PostgreSQL ---"; \
		$(BIN)/pytest; \
	fi

bench: install-dev
	$(BIN)/python -m bench.catalog

# The treasurer's pages at 1,000,000 ledger entries (PostgreSQL; DATABASE_URL, else
# bench_ledger on 127.0.0.1, which is DROPPED and recreated).
bench-ledger: install-dev
	$(BIN)/python -m bench.ledger

# The page cache under browsing, checkouts and the treasurer (PostgreSQL bench_mixed
# on 127.0.0.1, DROPPED and recreated; the cache in Redis db 3).
bench-mixed: install-dev
	$(BIN)/python -m bench.mixed

# Shoppers logging in and checking out over HTTP, then the treasurer's confirmations
# (PostgreSQL bench_checkout on 127.0.0.1, DROPPED and recreated; limits and cache in Redis db 6).
bench-checkout: install-dev
	$(BIN)/python -m bench.checkout --rounds 3 --duration 5

# Lighthouse 12 on the demo's landing pages, served by gunicorn (bench/lighthouse.sh).
lighthouse: install
	PYTHON=$(BIN)/python bench/lighthouse.sh

# static/css/bootstrap.min.css: Bootstrap 5.3.8 cut to the rules the templates,
# scripts and Python code use (purgecss.config.cjs). Run after adding a class
# Bootstrap styles; commit the result. The tools go to .node/ (git-ignored).
CSS_TOOLS := .node/node_modules/.bin/purgecss
$(CSS_TOOLS):
	npm install --prefix .node --no-audit --no-fund --silent purgecss@6.0.0 bootstrap@5.3.8

css: $(CSS_TOOLS)
	$(CSS_TOOLS) --config purgecss.config.cjs
	@# The classes full Bootstrap defines: tests/core/test_static.py checks the
	@# templates' ones against the trimmed file.
	grep -oE '\.[a-zA-Z_][a-zA-Z0-9_-]*' .node/node_modules/bootstrap/dist/css/bootstrap.min.css \
		| cut -c2- | sort -u > tests/core/bootstrap_classes.txt

clean:
	rm -rf $(VENV) instance .pytest_cache .coverage tests/browser/artifacts
