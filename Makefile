# The two commands: `make run` and `make test`. `make serve` is the production topology.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint format serve migrate seed bench-http clean system-deps

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Development server on the embedded defaults (SQLite, in-memory channel layer, eager Celery).
run: seed
	@mkdir -p var/static
	$(BIN)/daphne -b $(HOST) -p $(PORT) livestream.asgi:application

## The whole suite, with coverage. Set DATABASE_URL / REDIS_URL to run it on PostgreSQL / Redis.
test: $(STAMP)
	$(BIN)/pytest --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## nginx for make serve (and, later, its RTMP module and ffmpeg for the media pipeline).
system-deps:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	  else echo "Install nginx (sudo apt-get install nginx) for make serve."; exit 2; fi; }

## Production topology on one machine: needs DATABASE_URL and REDIS_URL.
serve: $(STAMP) system-deps
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" || { echo "make serve needs DATABASE_URL and REDIS_URL (see README)"; exit 2; }
	@test -n "$$SECRET_KEY" || test -s var/secret_key || { mkdir -p var && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))" > var/secret_key; }
	SECRET_KEY=$${SECRET_KEY:-$$(cat var/secret_key)} DJANGO_SETTINGS_MODULE=livestream.settings.production \
	  HTTPS=$${HTTPS:-0} PAYMENT_PROVIDER=$${PAYMENT_PROVIDER:-paystack} \
	  ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} \
	  sh -c '$(BIN)/python deploy/ensure_database.py && $(BIN)/python manage.py migrate --noinput && $(BIN)/python manage.py collectstatic --noinput -v0 && PORT=$(PORT) BIND=$(HOST) $(BIN)/python deploy/serve.py'

## HTTP throughput of the stream list (against a running server; see README).
bench-http: $(STAMP)
	$(BIN)/python bench/http_api.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3 .coverage
