# Frontdoor. `make run` starts the platform on its embedded defaults; `make test` runs the suite.
# Both install what they need into .venv first (Python 3.11+ is all a machine must have).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed
SERVICES := routing members agents callbacks surveys
EDITABLES := -e libs/common $(foreach s,$(SERVICES),-e services/$(s))
PYTEST_ARGS ?=

.PHONY: install run test lint typecheck pytest bench bench-relay bench-routing bench-routing-rest simulate simulate-erlang demo lock catalogue clean

$(STAMP): requirements.txt requirements-bootstrap.txt libs/common/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Frontdoor needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-bootstrap.txt
	@$(UV) pip install --quiet --python $(PY) --require-hashes -r requirements.txt
	@$(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation $(EDITABLES)
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m frontdoor_common.launcher

lint: install
	$(VENV)/bin/ruff check libs services tests
	$(VENV)/bin/ruff format --check libs services tests

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: bench-relay bench-routing

bench-relay: install
	$(PY) -m frontdoor_common.bench.relay $(BENCH_ARGS)

bench-routing: install
	$(PY) -m frontdoor_routing.bench.core

bench-routing-rest: install
	$(PY) -m frontdoor_routing.bench.rest

demo: install
	$(PY) -m frontdoor_common.demo

simulate: install
	$(PY) -m frontdoor_routing.planning simulate --profile services/routing/frontdoor_routing/planning/examples/union-day.json --staffing 0.8 $(SIM_ARGS)

simulate-erlang: install
	$(PY) -m frontdoor_routing.planning erlang-check

lock: install
	$(UV) pip compile --quiet --generate-hashes --python-version 3.11 requirements.in -o requirements.txt
	$(UV) pip compile --quiet --generate-hashes requirements-bootstrap.in -o requirements-bootstrap.txt

catalogue: install
	@mkdir -p docs
	$(PY) -m frontdoor_common.catalogue > docs/events.json

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
