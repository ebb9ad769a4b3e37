# Heard — the two commands a new machine needs are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/heard
# The test cluster lives under /tmp: as root the server runs as the postgres
# user, who may not be able to traverse a checkout under /root.
TEST_DATA_DIR ?= /tmp/heard-test-$(shell id -u)-$(shell printf %s "$(CURDIR)" | sha256sum | cut -c1-8)
# apt-get needs root; use sudo when make runs as someone else.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build run test soak vet fmt-check postgres pdftotext chromium axe bench load clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/heard

# postgres installs the PostgreSQL server binaries (Debian package
# `postgresql`) when neither PATH nor /usr/lib/postgresql/*/bin has them.
postgres:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; else \
		echo "Installing the PostgreSQL server (Debian package postgresql)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# pdftotext reads PDF sources (Debian package `poppler-utils`).
pdftotext:
	@if command -v pdftotext >/dev/null 2>&1; then :; else \
		echo "Installing pdftotext (Debian package poppler-utils)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	fi

# chromium is the browser the browser tests drive (Debian package
# `chromium`), installed when /usr/bin/chromium is missing.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ -x $(CHROMIUM) ]; then :; else \
		echo "Installing Chromium (Debian package chromium)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# axe is the axe-core accessibility engine (npm package `axe-core`) that the
# browser tests inject into every page; it is kept in a cache folder.
AXE_VERSION ?= 4.14.1
NPM_CACHE_DIR ?= $(CURDIR)/.cache/npm
AXE_JS := $(NPM_CACHE_DIR)/node_modules/axe-core/axe.min.js
axe:
	@if [ -f $(AXE_JS) ] && grep -q '"version": "$(AXE_VERSION)"' $(NPM_CACHE_DIR)/node_modules/axe-core/package.json; then :; else \
		echo "Installing axe-core $(AXE_VERSION) (npm) into $(NPM_CACHE_DIR)"; \
		npm install --prefix $(NPM_CACHE_DIR) --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION) >/dev/null; \
	fi

# run starts Heard on its embedded database with the demo corpus collected
# and scored: open http://127.0.0.1:8080/.
run: postgres pdftotext build
	./$(BIN) serve --demo

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.data/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# test runs vet and every test against a real PostgreSQL it starts itself
# (an embedded cluster under TEST_DATA_DIR), and stops it afterwards. The
# browser tests (handlers/browser_test.go) drive Chromium with axe-core;
# screenshots land in test-output/screenshots.
test: postgres pdftotext chromium axe fmt-check vet build
	@set -o pipefail; \
	url=$$(HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db start) || exit 1; \
	trap 'HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db stop' EXIT; \
	HEARD_TEST_DATABASE_URL="$$url" HEARD_CHROMIUM=$(CHROMIUM) HEARD_AXE_JS=$(AXE_JS) \
	HEARD_TEST_OUTPUT=$(CURDIR)/test-output $(GO) test -count=1 -timeout 9m ./...

# soak runs the long fault test (cmd/heard TestSoakReplicasThroughFaults,
# about three minutes): two replicas with the default settings under load
# through PostgreSQL restarts and a killed and a stopped leader, each
# process and cluster of its own. CI runs it after test.
soak: postgres build
	@set -o pipefail; \
	url=$$(HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db start) || exit 1; \
	trap 'HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db stop' EXIT; \
	HEARD_TEST_DATABASE_URL="$$url" HEARD_SOAK=1 $(GO) test -count=1 -timeout 10m -run '^TestSoak' -v ./cmd/heard

# bench runs the Go benchmarks (rescoring, exports, parsing, reads through
# the router) and then the loopback load test (load); BENCHMARKS.md keeps
# the latest figures.
bench: postgres build
	@url=$$(HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db start) || exit 1; \
	trap 'HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db stop' EXIT; \
	HEARD_TEST_DATABASE_URL="$$url" $(GO) test -run '^$$' -bench . -benchmem ./... && \
	$(GO) build -o bin/heard-load ./cmd/heard-load && ./bin/heard-load -db "$$url" -heard $(BIN)

# load is the load test alone: heard serve and a static server of the same
# bytes, driven by vegeta over loopback (cmd/heard-load).
load: postgres build
	@url=$$(HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db start) || exit 1; \
	trap 'HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db stop' EXIT; \
	$(GO) build -o bin/heard-load ./cmd/heard-load && ./bin/heard-load -db "$$url" -heard $(BIN)

clean:
	rm -rf bin test-output
