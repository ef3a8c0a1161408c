# The two commands a newcomer needs:
#   make run   set everything up and serve the portal on http://127.0.0.1:5000
#   make test  set everything up and run the checks (lint, then pytest)
# With no DATABASE_URL / REDIS_URL, both use SQLite in instance/ and in-process jobs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := portal

.PHONY: run test install assets db seed lint format clean bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

portal/static/dist/portal.css: node_modules/.installed assets/build.mjs assets/portal.scss
	npm run --silent build

install: $(BIN)/.installed assets

assets: portal/static/dist/portal.css

db: install
	$(BIN)/flask db upgrade

seed: db
	$(BIN)/flask seed-demo

run: seed
	$(BIN)/flask run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check portal tests bench migrations/env.py
	$(BIN)/ruff format --check portal tests bench
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix portal tests bench
	$(BIN)/ruff format portal tests bench

# Two pytest-xdist workers (one a core on CI), each with its own database, Redis database,
# ports and browser (see tests/conftest.py); an idle worker takes tests from a busy one.
# Override, e.g. `make test PYTEST_ARGS="-n 0 -x tests/test_slots.py"`.
PYTEST_ARGS ?= -n 2 --dist worksteal
test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules portal/static/dist instance/portal.db

# wrk (Debian's package) is the load generator; DATABASE_URL names a PostgreSQL server
# whose role may create databases. E.g. `make bench BENCH_ARGS="--factors 1,10 --soak-minutes 10"`.
BENCH_ARGS ?=
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
