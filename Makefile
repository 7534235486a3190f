# The two commands a new user needs: `make run` (the app on SQLite with the seed and OGP's sample,
# loaded once by setup_local) and `make test`.
# `make run` installs the runtime set only (requirements.txt, what a production server has);
# `make test` and `make lint` add the tools (requirements-dev.txt). Each set has its own stamp in
# the virtualenv, so `make run` then `make test` installs the tools, and editing either file
# installs again what it lists.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# runserver's address, exported: the settings (dev.py) make the links of mails and messages from it.
export HOST ?= 127.0.0.1:8000
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install install-dev run test lint

$(RUNTIME_STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# requirements-dev.txt starts with `-r requirements.txt`: the runtime pins hold in the dev set too.
$(DEV_STAMP): requirements-dev.txt $(RUNTIME_STAMP)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(RUNTIME_STAMP)

install-dev: $(DEV_STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_local
	$(PY) manage.py runserver $(HOST)

test: install-dev
	$(VENV)/bin/ruff check .
	bash scripts/ensure-chromium.sh
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
