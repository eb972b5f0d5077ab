# Frontdoor. `make run` starts the platform on its embedded defaults; `make test` runs the suite.
# Both install what they need into .venv first (Python 3.11+ is all a machine must have).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed
SERVICES := routing members agents callbacks surveys console
# libs/devtools (make demo, catalogue, bench-relay) is installed for developers, never in the image.
EDITABLES := -e libs/common -e libs/devtools $(foreach s,$(SERVICES),-e services/$(s))
# The slowest tests are listed at the end of every run, so the suite's time has names attached.
PYTEST_ARGS ?= --durations=25
PACKAGES := libs/common/frontdoor_common libs/devtools/frontdoor_devtools $(foreach s,$(SERVICES),services/$(s)/frontdoor_$(s))

.PHONY: install bytecode browser screenshots run test test-slow test-postgres chaos lint typecheck pytest bench bench-relay bench-routing bench-routing-rest bench-members bench-planning bench-privacy bench-export simulate simulate-erlang demo lock catalogue records clean

$(STAMP): requirements.txt requirements-bootstrap.txt libs/common/pyproject.toml libs/devtools/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Frontdoor needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-bootstrap.txt
	@$(UV) pip install --quiet --python $(PY) --require-hashes -r requirements.txt
	@$(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation $(EDITABLES)
	@touch $(STAMP)

# Compiled bytecode, for the venv and the project's packages. PYTHONDONTWRITEBYTECODE (set on
# some machines) only stops Python *writing* __pycache__; it still reads it, and without it
# every start compiles every module from source (a service's import: 10-13 s instead of 2-3 s).
# The venv is compiled once after each install; the project's packages on every start
# (compileall only compiles what changed, so that is cheap). A few third-party
# files do not compile (Python 2 examples and the like): that is theirs, not an error here.
$(VENV)/.bytecode: $(STAMP)
	@$(PY) -m compileall -q -q -j 0 $(VENV)/lib || true
	@touch $@

bytecode: $(VENV)/.bytecode
	@$(PY) -m compileall -q -j 0 $(PACKAGES)

install: $(STAMP) bytecode

run: install
	$(PY) -m frontdoor_common.launcher

# The console's browser tests: Debian's Chromium (Playwright drives it; Playwright's own browser
# download cannot work on these machines) and axe-core's script for the accessibility check,
# from the npm registry into .browser/ (git-ignored). Installs only what is missing.
AXE_VERSION := 4.14.1
BROWSER_STAMP := .browser/.installed-axe-$(AXE_VERSION)

browser: $(BROWSER_STAMP)

$(BROWSER_STAMP):
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@mkdir -p .browser
	@npm install --silent --no-audit --no-fund --prefix .browser axe-core@$(AXE_VERSION)
	@touch $@

# The console's screenshots in docs/screenshots (the README shows them), played on the platform.
screenshots: install browser
	$(PY) -m frontdoor_console.screenshots --out docs/screenshots

lint: install
	$(VENV)/bin/ruff check libs services tests
	$(VENV)/bin/ruff format --check libs services tests

typecheck: install
	$(VENV)/bin/mypy

# Two workers (pytest-xdist), one per core: most tests wait on a database, a broker or a browser
# rather than compute, so two at a time take 9.5 min where one at a time took 14.6 (same tests,
# same machine). Every fixture that holds a process or a port is per worker.
PYTEST_WORKERS ?= 2

pytest: install browser
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "not slow and not postgresql" $(PYTEST_ARGS)

test: lint typecheck pytest

# `make test` runs every test on SQLite but the slow group, and stays under 15 minutes. The slow
# group (processes killed and restarted, brokers restarted empty, the platform as processes, the
# adversarial suite) and the PostgreSQL run are CI steps of their own (.ci/run): nothing is dropped.
test-slow: install browser
	$(PY) -m pytest -m "slow and not chaos" $(PYTEST_ARGS)

# The PostgreSQL run of every database test but the slow ones (TEST_POSTGRES_URL must name a
# database the tests may create databases beside; .ci/run sets it).
test-postgres: install browser
	@test -n "$$TEST_POSTGRES_URL" || { echo "set TEST_POSTGRES_URL (see .ci/run)"; exit 2; }
	$(PY) -m pytest -m "postgresql and not slow" $(PYTEST_ARGS)

# Crash safety: the platform's processes killed with SIGKILL under load, in rotation
# (CHAOS_CYCLES=50 make chaos for a longer run), and a consumer across three broker kills with
# the services' own timings. A CI step of its own (.ci/run), 20 cycles.
# CHAOS_PATHS=tests/chaos runs the chaos test alone.
CHAOS_CYCLES ?= 20
CHAOS_PATHS ?= tests/chaos libs/common/tests/test_bus_broker_restarts.py
chaos: install
	CHAOS_CYCLES=$(CHAOS_CYCLES) $(PY) -m pytest $(CHAOS_PATHS) -m chaos -s -o faulthandler_timeout=0

bench: bench-relay bench-routing bench-planning

bench-relay: install
	$(PY) -m frontdoor_devtools.bench.relay $(BENCH_ARGS)

bench-routing: install
	$(PY) -m frontdoor_routing.bench.core $(BENCH_ARGS)

bench-routing-rest: install
	$(PY) -m frontdoor_routing.bench.rest $(BENCH_ARGS)

# Caller lookup at 100,000 members, in process and over HTTP (with the index, the database path,
# a bare endpoint as the floor); PostgreSQL too with BENCH_ARGS=--postgres=postgresql://...
bench-members: install
	$(PY) -m frontdoor_members.bench $(BENCH_ARGS)

# A simulation request's child process: a fresh interpreter per request against the planner's
# fork server (the simulator preloaded), side by side; the last line is JSON.
bench-planning: install
	$(PY) -m frontdoor_routing.bench.planning

# What sealing personal fields of events costs (issue 17): per value against bare Fernet, per
# committed event against the field in clear; PostgreSQL too with BENCH_ARGS=--postgres-url=postgresql://...
bench-privacy: install
	$(PY) -m frontdoor_devtools.bench.privacy $(BENCH_ARGS)

# A member's access request streams: the peak memory of exporting a 50,000-entry dossier against a
# 1,000-entry one, JSON and HTML, over HTTP (issue 17).
bench-export: install
	$(PY) -m frontdoor_members.privacy.bench $(BENCH_ARGS)

demo: install
	$(PY) -m frontdoor_devtools.demo

simulate: install
	$(PY) -m frontdoor_routing.planning simulate --profile services/routing/frontdoor_routing/planning/examples/union-day.json --staffing 0.8 $(SIM_ARGS)

simulate-erlang: install
	$(PY) -m frontdoor_routing.planning erlang-check

lock: install
	$(UV) pip compile --quiet --generate-hashes --python-version 3.11 requirements.in -o requirements.txt
	$(UV) pip compile --quiet --generate-hashes requirements-bootstrap.in -o requirements-bootstrap.txt

catalogue: install
	@mkdir -p docs
	$(PY) -m frontdoor_devtools.catalogue > docs/events.json

# The records of processing (GDPR art. 30): docs/records-of-processing.md from docs/processing/*.yaml,
# checked against every service's tables, routes and events first (libs/devtools/tests/test_records.py).
records: install
	$(PY) -m frontdoor_devtools.records

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
