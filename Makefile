# The two commands: `make run` and `make test`. Everything else is a convenience.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-faults test-scale test-fast lint typecheck bench messages manage clean screenshots

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing into $(VENV) (first time takes a minute)…"
	@$(PY) -m pip install -q -e '.[dev]' 2> >(grep -v '^WARNING: Location' >&2)
	@touch $(STAMP)

install: $(STAMP)

## Bring up the whole system on private services (or DATABASE_URL / CELERY_BROKER_URL).
run: $(STAMP)
	@$(PY) -m tconnect.devstack run

## The whole suite against a real PostgreSQL (installs Debian's Chromium first when missing and allowed).
test: $(STAMP)
	@.ci/chromium
	@$(PY) -m pytest -p xdist -n 2 --dist loadfile $(PYTEST_ARGS)

## Many machines, tested here with real servers (docs/scaling.md): PgBouncer, a streaming replica,
## worker nodes on RabbitMQ and Redis killed mid-burst, two web nodes. Needs Debian's pgbouncer and
## the machine's RabbitMQ (5672) and Redis (6379).
## Sizes: SCALE_OUTBOX=100000 SCALE_REPLIES=2000 for the issue's full burst (CI runs the defaults).
SCALE_OUTBOX ?= 10000
SCALE_REPLIES ?= 2000
test-scale: $(STAMP)
	@TCONNECT_TEST_SCALE=1 TCONNECT_SCALE_OUTBOX=$(SCALE_OUTBOX) TCONNECT_SCALE_REPLIES=$(SCALE_REPLIES) \
		$(PY) -m pytest -p no:xdist -q -s tests/scale $(PYTEST_ARGS)

## Fault tests (minutes): kill -9 the worker during the 1st of the month's mail, count at a sink.
test-faults: $(STAMP)
	@$(PY) -m pytest -q -s -m faults tests/faults $(PYTEST_ARGS)

test-fast: $(STAMP)
	@$(PY) -m pytest -x -q -m "not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	@$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	@$(VENV)/bin/mypy dealers vehicles notifications tconnect

## Refresh the README's screenshots (needs chromium and fonts-noto-cjk)
screenshots: $(STAMP)
	@TCONNECT_SCREENSHOTS=1 $(PY) -m pytest -q tests/browser/test_screenshots.py

## Benchmarks (not timed tests): make bench BENCH=daily_run ARGS="--dates 7"
bench: $(STAMP)
	@$(PY) -m tests.benchmarks $(BENCH) $(ARGS)

## Regenerate translations (needs GNU gettext; the compiled .mo files are committed).
messages: $(STAMP)
	@$(PY) manage.py makemessages -l ja --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'docs/*'
	@$(PY) manage.py compilemessages --ignore '.venv/*'

## Any manage.py command against the private services: make manage ARGS="seed_demo --vehicles 1000"
manage: $(STAMP)
	@$(PY) -m tconnect.devstack manage $(ARGS)

clean:
	rm -rf $(VENV) var
