# The two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=

.PHONY: run test install install-dev lint bench messages clean

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

## make messages: collect the driver portal's and its e-mails' strings into locale/*/django.po and
## compile the .mo files (committed, so `make run` needs no gettext). Needs GNU gettext.
## Staff, owner and admin pages stay English: their folders are left out.
MESSAGES_IGNORE := .venv/* bench/* var/* node_modules/* static/* staticfiles/* docs/* .ci/* stations/* roaming/* \
	ocpp_gateway/* config/* templates/ops/* templates/owner/* templates/admin/* templates/support/* */tests/* \
	*/migrations/* */api/* */admin*.py */demo.py billing/owner_urls.py billing/views/owner_portal.py \
	billing/documents/* billing/management/* drivers/management/* drivers/views/support_desk.py \
	billing/models/tariffs.py billing/models/ledger.py billing/models/settlements.py billing/models/analytics.py \
	billing/models/cdrs.py billing/models/countries.py billing/models/memberships.py billing/models/reservations.py
messages: install
	$(PY) manage.py makemessages -l de -l fr --no-location --no-obsolete $(foreach pattern,$(MESSAGES_IGNORE),-i '$(pattern)')
	$(PY) manage.py compilemessages -l de -l fr -i '.venv' -i 'var'

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
