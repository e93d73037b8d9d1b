# The two commands: `make run` and `make test`. `make serve` is the production topology.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint format serve migrate seed bench-http clean system-deps media-deps vendor

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

## hls.js for the stream page's player: the version package-lock.json pins, from the npm registry, copied
## into static/vendor/ (git-ignored). Needs node and npm (Debian: apt-get install -y nodejs npm).
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "The stream page's player needs npm: sudo apt-get install -y nodejs npm"; exit 2; }
	npm ci --no-audit --no-fund
static/vendor/hls.light.min.js: node_modules/.package-lock.json scripts/vendor_frontend.py
	$(PYTHON) scripts/vendor_frontend.py
vendor: static/vendor/hls.light.min.js

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Development server on the embedded defaults (SQLite, in-memory channel layer, eager Celery), with the
## media server (nginx-rtmp + ffmpeg) beside it; a Celery worker too when REDIS_URL is set.
run: seed media-deps vendor
	@mkdir -p var/static
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python deploy/run.py

## The whole suite, with coverage: the browser tests in a second process beside the rest (scripts/run_tests.py).
## Set DATABASE_URL / REDIS_URL to run it on PostgreSQL / Redis.
test: $(STAMP) vendor
	$(BIN)/python scripts/run_tests.py $(PYTEST_ARGS)

## ruff, then the layering as import contracts (.importlinter and .importlinter-http: which package may import which).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/lint-imports --no-logo .importlinter-http

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## nginx for make serve.
system-deps:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	  else echo "Install nginx (sudo apt-get install nginx) for make serve."; exit 2; fi; }

## The media server's tools (nginx, its RTMP module, ffmpeg): installed when missing and we may (root with
## apt-get); otherwise make run serves the rest and says what to install.
MEDIA_PACKAGES := nginx libnginx-mod-rtmp ffmpeg janus
media-deps:
	@if ! { command -v ffmpeg >/dev/null 2>&1 && test -f /usr/lib/nginx/modules/ngx_rtmp_module.so && command -v janus >/dev/null 2>&1; }; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(MEDIA_PACKAGES) >/dev/null \
	      || echo "Could not install $(MEDIA_PACKAGES); the media server stays off."; \
	  else echo "The media server needs: sudo apt-get install -y $(MEDIA_PACKAGES)"; fi; \
	fi

## Production topology on one machine: needs DATABASE_URL and REDIS_URL.
serve: $(STAMP) system-deps media-deps vendor
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
