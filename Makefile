# Heard — the two commands a new machine needs are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/heard
# The test cluster lives under /tmp: as root the server runs as the postgres
# user, who may not be able to traverse a checkout under /root.
TEST_DATA_DIR ?= /tmp/heard-test-$(shell id -u)-$(shell printf %s "$(CURDIR)" | sha256sum | cut -c1-8)
# apt-get needs root; use sudo when make runs as someone else.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build run test vet fmt-check postgres pdftotext bench clean

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
# (an embedded cluster under TEST_DATA_DIR), and stops it afterwards.
test: postgres pdftotext fmt-check vet build
	@set -o pipefail; \
	url=$$(HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db start) || exit 1; \
	trap 'HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db stop' EXIT; \
	HEARD_TEST_DATABASE_URL="$$url" $(GO) test -count=1 -timeout 9m ./...

bench: postgres build
	@url=$$(HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db start) || exit 1; \
	trap 'HEARD_DATA_DIR=$(TEST_DATA_DIR) ./$(BIN) db stop' EXIT; \
	HEARD_TEST_DATABASE_URL="$$url" $(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
