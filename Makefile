# kubectl-rotate build, test and install.

GO         ?= go
BIN        ?= bin
PREFIX     ?= $(HOME)/.local
VERSION    ?= $(shell git describe --tags --match 'v*' --dirty 2>/dev/null || echo v0.0.0-dev)
COMMIT     ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS    := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
STATICCHECK_VERSION := v0.8.2
TOOLS      := $(CURDIR)/.tools

.PHONY: all build test unit e2e lint install bench sandbox demo clean

all: build

## build: compile kubectl-rotate into bin/
build:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/kubectl-rotate ./cmd/kubectl-rotate

SCENARIO   ?= small

## test: every test: unit, discovery against the AWS simulator, commands, and the end-to-end
## suite against the sandbox (its first run builds Kubernetes: several minutes)
test: unit e2e

unit:
	$(GO) test -count=1 -timeout 10m ./...
	cd test/sandbox && $(GO) test -count=1 -timeout 10m -short ./...

## e2e: the real binary against a sandbox cluster with a simulated AWS
e2e:
	cd test/sandbox && $(GO) test -count=1 -timeout 45m ./e2e/ ./cluster/

## sandbox: run a sandbox in the foreground (SCENARIO=small|large); Ctrl-C stops it
sandbox:
	cd test/sandbox && $(GO) build -o $(CURDIR)/.sandbox/sandbox ./cmd/sandbox
	$(CURDIR)/.sandbox/sandbox up --dir $(CURDIR)/.sandbox --scenario $(SCENARIO)

## demo: start the sandbox and run kubectl rotate against it
demo: build
	SCENARIO=$(SCENARIO) test/sandbox/demo.sh

## bench: the benchmarks, with their figures (the last one rotates 100 sandbox nodes: ~4 minutes)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	cd test/sandbox && $(GO) test -run '^$$' -bench BenchmarkRotate100 -benchtime 1x -timeout 30m ./e2e/

## lint: go vet and staticcheck (pinned, installed through the module proxy)
lint:
	$(GO) vet ./...
	cd test/sandbox && $(GO) vet ./...
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(TOOLS)/staticcheck ./...
	cd test/sandbox && $(TOOLS)/staticcheck ./...

## install: put kubectl-rotate on PATH (PREFIX/bin, default ~/.local/bin)
install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN)/kubectl-rotate $(PREFIX)/bin/kubectl-rotate
	@echo "installed $(PREFIX)/bin/kubectl-rotate; run: kubectl rotate plan"

clean:
	rm -rf $(BIN) $(TOOLS)
