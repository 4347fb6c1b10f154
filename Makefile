# kubectl-rotate build, test and install.

GO         ?= go
BIN        ?= bin
PREFIX     ?= $(HOME)/.local
VERSION    ?= $(shell git describe --tags --match 'v*' --dirty 2>/dev/null || echo v0.0.0-dev)
COMMIT     ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS    := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
STATICCHECK_VERSION := v0.8.2
TOOLS      := $(CURDIR)/.tools

.PHONY: all build test unit lint install bench demo clean

all: build

## build: compile kubectl-rotate into bin/
build:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/kubectl-rotate ./cmd/kubectl-rotate

## test: every test of the plugin (unit, discovery against the AWS simulator, command)
test: unit

unit:
	$(GO) test -count=1 ./...

## bench: the benchmarks, with their figures
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## lint: go vet and staticcheck (pinned, installed through the module proxy)
lint:
	$(GO) vet ./...
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(TOOLS)/staticcheck ./...

## install: put kubectl-rotate on PATH (PREFIX/bin, default ~/.local/bin)
install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN)/kubectl-rotate $(PREFIX)/bin/kubectl-rotate
	@echo "installed $(PREFIX)/bin/kubectl-rotate; run: kubectl rotate plan"

clean:
	rm -rf $(BIN) $(TOOLS)
