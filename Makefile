# The two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=

.PHONY: run test install install-dev lint bench clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: migrate, load demo data, start web+websocket, Celery worker and beat (Ctrl-C stops all)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_data
	@if [ -n "$$DATABASE_URL$$REDIS_URL" ]; then $(PY) manage.py collectstatic --noinput -v 0; fi
	@echo ""
	@echo "  Portal:     http://$(HOST):$(PORT)/"
	@echo "  Admin:      http://$(HOST):$(PORT)/admin/"
	@echo "  API docs:   http://$(HOST):$(PORT)/api/docs/"
	@echo "  OCPP:       ws://$(HOST):$(PORT)/ocpp/<identity>  (subprotocol ocpp1.6, ocpp2.0.1 or ocpp2.1)"
	@echo "  OCPI:       http://$(HOST):$(PORT)/ocpi/versions  (partner networks, with the token staff issue)"
	@echo ""
	@# Embedded mode also starts a few simulated chargers (Procfile.embedded); production never does.
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) DEMO_SERVER_URL=http://$(HOST):$(PORT) $(BIN)/honcho start --port $(PORT) \
		--procfile $$(if [ -n "$$DATABASE_URL$$REDIS_URL" ]; then echo Procfile; else echo Procfile.embedded; fi)

## make test: install dev requirements and run the whole suite
test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

## make lint: ruff, and the import layers (.importlinter, docs/architecture.md)
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## make bench: measure the gateway (docs/benchmarks.md); BENCH_ARGS='s0 s2 --repeats 3 --size quick' picks scenarios
bench: install-dev
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
