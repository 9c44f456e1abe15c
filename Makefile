# Token Lab — the two commands a new machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
export DEBUG ?= 1

.PHONY: run reset test install install-dev upstream lint check serve bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## `.venv/bin/python manage.py ...` in any terminal of this checkout runs as `make run` does (development mode):
## manage.py reads this file; gunicorn (`make serve`) never does. Gitignored; `make clean` removes it.
LOCAL_ENV := .tokenlab-local.env
$(LOCAL_ENV):
	printf '%s\n' '# Written by `make run`: manage.py in this checkout runs in development mode, as `make run` does.' \
		'# Only manage.py reads this file (variables set in the environment win); gunicorn never does.' \
		'DEBUG=1' > $@

## Run Token Lab on http://$(HOST):$(PORT) in embedded mode (SQLite file, no Redis), with demo users. The demo
## accounts are created once: a restart keeps their passwords, sessions and tokens.
run: install $(LOCAL_ENV)
	$(PY) manage.py migrate --verbosity 0
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

## Start the demo accounts over: published passwords again, active, their sessions and tokens ended.
reset: install $(LOCAL_ENV)
	$(PY) manage.py migrate --verbosity 0
	$(PY) manage.py seed_demo --reset

## The upstream suites the tests run against Token Lab's classes (Django's session tests, simplejwt's tests), from
## the sdists of the pinned versions, into .upstream/ (never committed). Quick once done.
upstream: install-dev
	PYTHON=$(PY) .ci/upstream-suites
	PYTHON=$(PY) .ci/upstream-simplejwt

## Run the whole test suite. Uses PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, SQLite otherwise.
test: install-dev upstream
	DEBUG=0 $(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

## Production mode: gunicorn with 2 workers (set DATABASE_URL, REDIS_URL, SECRET_KEY, JWT_SIGNING_KEY).
serve: install
	DEBUG=0 $(PY) manage.py migrate --verbosity 0
	DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 $(VENV)/bin/gunicorn config.wsgi --workers 2 --bind $(HOST):$(PORT)

bench: install
	$(PY) manage.py authbench

clean:
	rm -rf $(VENV) tokenlab.sqlite3* $(LOCAL_ENV)
