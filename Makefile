# HMS — two commands: `make run` and `make test`. Everything else is here for them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | md5sum | cut -c1-12)
CHROMIUM := /usr/bin/chromium
# Parallel test workers: 2 cores here; override with `make test WORKERS=4`.
WORKERS ?= 2

.PHONY: run test venv chromium lint format migrate seed worker clean drill

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# Serves HTTP + websockets on http://127.0.0.1:8000. With REDIS_URL set: gunicorn with Uvicorn workers, a
# Celery worker and beat (Procfile), the production shape; without it one Daphne process (in-memory layer).
run: seed
	@echo "HMS on http://127.0.0.1:8000 — demo accounts in README.md (password demo-pass-2026)"
ifdef REDIS_URL
	$(BIN)/honcho start -f Procfile
else
	$(BIN)/daphne -b 127.0.0.1 -p 8000 hms.asgi:application
endif

worker: venv
	$(BIN)/celery -A hms worker --beat --loglevel=info --pool threads --concurrency 8 --prefetch-multiplier 4

# Browser tests drive the system Chromium; install it when we can (root), otherwise say how.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests (apt-get install chromium)…"; \
	    (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)) ; \
	  else \
	    echo "Browser tests need Chromium at $(CHROMIUM): run 'sudo apt-get install chromium', then 'make test' again."; exit 1; \
	  fi; \
	fi

test: venv chromium
	$(BIN)/pytest -n $(WORKERS) --dist loadfile

# Restore drill (issue 18): private PostgreSQL cluster, pgBackRest backup, accidental delete, PITR, checks.
drill: venv
	bash deploy/restore-drill.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .test-db.sqlite3* db.sqlite3*
