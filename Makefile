# hexauth: `make run` serves the API on SQLite, `make test` runs the whole suite, `make check`
# is the quick loop while editing.
# Both set everything up first (uv, the virtual environment from uv.lock).

UV ?= uv
export UV_LINK_MODE ?= copy
# Compile the environment's bytecode once at install (about 5 s): otherwise every test worker and
# every process the tests start compiles the same modules again; make test on a fresh clone went
# from 4m21s to 2m41s with it.
export UV_COMPILE_BYTECODE ?= 1
# Exactly uv.lock, never re-resolved. docker/Dockerfile runs the same `uv sync --frozen` plus
# image-only flags (--no-dev ...); tests/unit/deploy/test_dockerfile.py keeps the two in step.
SYNC := sync --frozen

.DEFAULT_GOAL := help
.PHONY: help uv install run demo migrate test check bench soak lint format docs clean image

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

uv: ## install uv if it is missing
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: uv ## create .venv from uv.lock (exact versions)
	$(UV) $(SYNC)

migrate: install ## bring the database at DATABASE_URL to the newest schema
	$(UV) run hexauth migrate

run: migrate ## migrate and serve the API on HOST:PORT (127.0.0.1:8000, SQLite by default)
	$(UV) run hexauth serve

WEB := clients/web
WEB_APP_DIR ?= $(CURDIR)/$(WEB)/dist

# npm ci again only when package-lock.json changed since the last install.
$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make demo needs Node.js 20+ and npm" >&2; exit 1; }
	cd $(WEB) && npm ci --no-audit --no-fund

# The refresh cookie keeps Secure, as in production: browsers treat http://localhost and
# http://127.0.0.1 as secure contexts. AUTH_COOKIE_SECURE=false is for other plain-HTTP hosts.
demo: migrate $(WEB)/node_modules/.package-lock.json ## build clients/web and serve it with the API (needs Node)
	cd $(WEB) && npm run build
	WEB_APP_DIR=$(WEB_APP_DIR) $(UV) run hexauth serve

# pytest-xdist workers: more than the cores pay off, since many tests wait on a server or a
# process. loadgroup: each test where a worker is free, except the tests sharing an expensive
# module fixture (Chromium), which tests/support/categories.py keeps whole on one worker each.
TEST_WORKERS ?= 4
PARALLEL := -n $(TEST_WORKERS) --dist loadgroup
# The quick loop's tests only compute (no servers to wait on): one worker per core.
CHECK_WORKERS ?= 2
# What `make check` leaves out: the categories tests/conftest.py marks (pyproject.toml lists them).
SLOW := browser or process or postgres or image or timing

# The Node verifier example (jose), installed again only when its package-lock.json changed;
# without npm its test skips ("NODE UNAVAILABLE").
NODE_VERIFIER := examples/resource_server/node
$(NODE_VERIFIER)/node_modules/.package-lock.json: $(NODE_VERIFIER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd $(NODE_VERIFIER) && npm ci --no-audit --no-fund; fi

test: install $(NODE_VERIFIER)/node_modules/.package-lock.json ## run the whole test suite in parallel (Postgres: TEST_DATABASE_URL, else local binaries)
	@# PgBouncer (Debian's package) for the transaction-pooling test; without it that test skips.
	@command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || { [ "$$(id -u)" = 0 ] \
		&& command -v apt-get >/dev/null && (apt-get update -qq && apt-get install -y -qq \
		--no-install-recommends pgbouncer) >/dev/null; } || true
	$(UV) run pytest $(PARALLEL)

check: lint ## lint, then the unit and SQLite integration tests (no servers, processes, timings)
	$(UV) run pytest -n $(CHECK_WORKERS) -q -m "not ($(SLOW))" tests/unit tests/integration

bench: install ## benchmark against baselines, ~7 min (QUICK=1: ~2 min; BENCH_ARGS=--help)
	@# wrk drives the load (Debian's package); without it the bench falls back on bench/loadgen.py.
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null; } || true
	$(UV) run python -m bench $(if $(QUICK),--quick) $(BENCH_ARGS)

SOAK_INSTANCES ?= 3
SOAK_USERS ?= 30
SOAK_SECONDS ?= 90
soak: install ## instances behind nginx, browser users, faults; one verdict line (docs/soak.md)
	@# nginx from Debian's nginx-light (only its binary is used: the soak runs its own, on a
	@# free port); PostgreSQL's initdb/pg_ctl and redis-server, as the tests use them.
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { [ "$$(id -u)" = 0 ] \
		&& command -v apt-get >/dev/null && (apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) >/dev/null; } \
		|| { echo "make soak needs nginx: apt-get install nginx-light" >&2; exit 1; }
	SOAK_INSTANCES=$(SOAK_INSTANCES) SOAK_USERS=$(SOAK_USERS) SOAK_SECONDS=$(SOAK_SECONDS) \
		$(UV) run python -m bench.soak

lint: install ## ruff (SLF001 included), mypy strict (the four packages, bench/soak), import-linter
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run mypy bench/soak
	$(UV) run lint-imports

format: install ## apply ruff's fixes and formatting
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

# Material for MkDocs prints a banner about its successor on every build; the build is the same.
docs: install ## build the documentation site into site/ (strict: a broken link fails it)
	NO_MKDOCS_2_WARNING=1 $(UV) run mkdocs build --strict

image: ## build the container image hexauth:latest (needs a Docker engine)
	docker build -f docker/Dockerfile -t hexauth:latest .

clean: ## remove the virtual environment, caches and the development database and keys
	rm -rf .venv .data site .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
