# kubectl-rotate build, test and install.

GO         ?= go
BIN        ?= bin
PREFIX     ?= $(HOME)/.local
# Without a v* tag: v0.0.0-g<short commit>[-dirty], still the semantic version krew requires.
VERSION    ?= $(shell git describe --tags --match 'v*' --dirty 2>/dev/null || \
                (c=$$(git describe --always --match 'v*' --dirty --abbrev=7 2>/dev/null) && echo v0.0.0-g$$c) || \
                echo v0.0.0-dev)
COMMIT     ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS    := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
STATICCHECK_VERSION := v0.8.2
TOOLS      := $(CURDIR)/.tools
DIST       ?= dist
# Every archive entry gets the commit time, so one commit always gives the same archives.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
RELEASE    := $(GO) run ./hack/release

.PHONY: all build test unit e2e lint install bench sandbox demo clean dist krew-manifest validate-krew

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

## dist: cross-compile for linux, darwin and windows on amd64 and arm64 into reproducible archives
## in dist/ (binary, LICENSE, README.md, kubectl_complete-rotate), with their sha256 checksums
## and the krew manifest of VERSION (dist/krew-manifest.yaml, and dist/rotate.yaml for the index)
dist:
	rm -rf $(DIST)
	$(RELEASE) dist --version $(VERSION) --ldflags '$(LDFLAGS)' --mtime $(SOURCE_DATE_EPOCH) --out $(DIST)

## krew-manifest: regenerate krew-manifest.yaml for VERSION from the checksums of dist/
## (for a release: make krew-manifest VERSION=v1.2.3)
krew-manifest: dist
	$(RELEASE) manifest --version $(VERSION) --checksums $(DIST)/kubectl-rotate_$(VERSION)_checksums.txt --out krew-manifest.yaml

## validate-krew: check krew-manifest.yaml against every rule of krew's validate-krew-manifest, and
## dist/krew-manifest.yaml too, its sha256 values against the archives, installing it as krew
## would and running kubectl rotate version through kubectl (built with the sandbox if missing)
validate-krew: dist
	$(RELEASE) validate-krew --skip-install krew-manifest.yaml $(DIST)/rotate.yaml
	$(RELEASE) validate-krew --dist $(DIST) --sandbox-dir $(CURDIR)/.sandbox $(DIST)/krew-manifest.yaml

clean:
	rm -rf $(BIN) $(TOOLS) $(DIST)
