# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3.11
# Prefer a uv already on PATH; otherwise fetch one from PyPI into var/bin (no pip needed).
UV := $(shell command -v uv 2>/dev/null || echo var/bin/uv)
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-instants lint lint-imports typecheck check-deploy system-libs test-tools clean messages bench screenshots

var/bin/uv:
	python3.11 .ci/bootstrap_uv.py

# Bytecode compiled once here: a process importing holidays' 280 country modules from source
# was slow on its first booking page (docs/performance.md, "Measurements behind the code's
# shape").
.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python python3.11
	@touch $@

install: .venv/.synced

## make run: install, prepare SQLite + the file broker, load data, start web + worker + beat.
run: export DEBUG := true
run: export DEMO_MODE := true
# Links in emails (booking, manage, sign-in) point at the port actually served.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install system-libs
	@mkdir -p var
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py load_reference_data
	@$(PY) manage.py collectstatic --noinput -v0
	@$(PY) manage.py load_demo
	@echo
	@echo "Portal: http://$(HOST):$(PORT)/   (admin: /admin/, API: /api/v1/, health: /healthz)"
	@echo "Stop with Ctrl+C."
	@trap 'kill $$(jobs -p) 2>/dev/null' EXIT INT TERM; \
	  .venv/bin/celery -A plut worker --loglevel=INFO --concurrency=2 --without-gossip --without-mingle & \
	  .venv/bin/celery -A plut beat --loglevel=INFO --pidfile= & \
	  $(PY) manage.py runserver $(HOST):$(PORT)

## make test: the whole suite, on whatever DATABASE_URL / CELERY_BROKER_URL say (default: embedded),
## spread over TEST_WORKERS processes (pytest-xdist; one per core, at most four: plut/settings_test.py
## gives each its own databases). Each worker takes the tests in the suite's order, so those that
## empty the database (transactional ones, last) never run before one that counts on the
## reference data. The few tests that stop a shared service (marked `exclusive`) run alone after.
TEST_WORKERS ?= $(shell n=$$(nproc); echo $$(( n < 4 ? n : 4 )))
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist load
test: install system-libs test-tools
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not exclusive" --durations=15
	$(PY) -m pytest -m exclusive

## make screenshots: the pictures in docs/ (docs/img/), taken by the browser tests of the journeys
## they show: the owner's booking (docs/booking.md), the national map (docs/dashboards.md), two
## pages of the monthly PDF (docs/reports.md, the README).
screenshots: install system-libs test-tools
	PLUT_SCREENSHOTS=docs/img $(PY) -m pytest -q tests/browser/test_booking_journey.py \
	  tests/browser/test_map_journey.py tests/reports/test_report_document.py

## make test-instants: the suite without the browser, in five shards, each with the clock of the
## whole process moved to an adversarial instant (docs/testing.md, "Time"). Embedded SQLite
## only: it reads the moved clock, a PostgreSQL server would not. INSTANTS=... SHARDS=... narrow it.
## Monday 00:30 WIB; Sunday 23:30 WIT; 31 December 23:30 WITA (1 January in WIT); 29 February
## 23:30 WITA (1 March 00:30 WIT); 30 April 23:30 WIB (1 May in WITA and WIT).
INSTANTS ?= 2026-12-06T17:30:00Z 2026-12-13T14:30:00Z 2026-12-31T15:30:00Z 2028-02-29T15:30:00Z 2027-04-30T16:30:00Z
test-instants: install system-libs test-tools
	@command -v faketime >/dev/null || { sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; }
	@set -e; instants=($(INSTANTS)); n=$${#instants[@]}; \
	  for i in $${!instants[@]}; do \
	    echo "== shard $$i/$$n at $${instants[$$i]}"; \
	    env -u DATABASE_URL -u CELERY_BROKER_URL -u CACHE_URL PLUT_TEST_SHARD=$$i/$$n \
	      .ci/at-instant "$${instants[$$i]}" $(PY) -m pytest $(PYTEST_PARALLEL) -m "not browser" -q \
	        -p no:cacheprovider; \
	  done

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

## make lint-imports: the floor plan's import contracts ([tool.importlinter] in pyproject.toml).
lint-imports: install
	.venv/bin/lint-imports

## make typecheck: mypy over the packages pyproject.toml lists in [tool.mypy] files.
typecheck: install
	.venv/bin/mypy

## WeasyPrint (the PDF reports) draws text with Pango; a bare Debian lacks it and a font.
system-libs:
	@if ! ldconfig -p | grep -q libpangoft2-1.0; then \
	    echo "Installing Debian packages for PDF reports: libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"; \
	    sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$sudo apt-get update -qq && \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; \
	  fi

## Browser tests drive Debian's Chromium (Playwright cannot download its own here); the
## translation tests compile catalogues with gettext's msgfmt.
test-tools:
	@missing=""; command -v chromium >/dev/null || missing="chromium"; \
	  command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	  command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	  if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages for the tests:$$missing"; \
	    sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$sudo apt-get update -qq && \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi

## The production-like deploy check that CI runs.
check-deploy: install
	DEBUG=false SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=portal.example.id \
	  $(PY) manage.py check --deploy --fail-level WARNING

## make bench: the national-scale benchmark on PostgreSQL + Redis at 127.0.0.1 (docs/performance.md).
## SCALE=1 is the whole country (generating it takes ~20 minutes once); BENCH_ARGS=--help.
SCALE ?= 0.01
BENCH_ARGS ?=
bench: install
	nice -n 10 $(PY) -m plut.top.bench --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf var/plut.sqlite3* var/broker var/static

## make messages: refresh the English catalogue (locale/en) from the Indonesian source strings,
## then compile it. Translate what is new or fuzzy in django.po, run it again, commit both files.
messages: export DEBUG := true
messages: install
	$(PY) manage.py makemessages -l en --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --no-location
	$(PY) manage.py compilemessages -l en --ignore='.venv/*'
