# csi-placement. `make demo` builds the function and runs the Harvester
# example through kustomize; `make test` runs every test.
SHELL := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
KUSTOMIZE_VERSION := v5.8.2
BIN := $(CURDIR)/bin
KUSTOMIZE := $(BIN)/kustomize
PLUGIN_HOME ?= $(if $(KUSTOMIZE_PLUGIN_HOME),$(KUSTOMIZE_PLUGIN_HOME),$(if $(XDG_CONFIG_HOME),$(XDG_CONFIG_HOME),$(HOME)/.config)/kustomize/plugin)
PLUGIN_DIR := $(PLUGIN_HOME)/fn.csi-placement.dev/v1alpha1/placementpolicy
export PATH := $(BIN):$(PATH)

IMAGE ?= localhost/csi-placement:$(VERSION)
BUILDAH_FLAGS ?= --isolation chroot --storage-driver vfs

.PHONY: build test demo bench fuzz install-plugin kustomize fmt vet clean image image-test

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/csi-placement/csi-placement/fn/cli.Version=$(VERSION)" -o $(BIN)/csi-placement ./fn

# The kustomize CLI at the pinned version, in bin/ (newer ones need a newer Go).
kustomize: $(KUSTOMIZE)
$(KUSTOMIZE):
	GOBIN=$(BIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

demo: build $(KUSTOMIZE)
	@echo "# kustomize build --enable-alpha-plugins --enable-exec examples/harvester" >&2
	@$(KUSTOMIZE) build --enable-alpha-plugins --enable-exec examples/harvester | awk 'BEGIN { RS = "---\n"; ORS = "" } /\nkind: Deployment\n/'

test: build $(KUSTOMIZE) vet
	go test ./...

vet:
	@test -z "$$(gofmt -l fn tests)" || { gofmt -l fn tests; echo "gofmt needed"; exit 1; }
	go vet ./...

# Each krmio fuzz target for FUZZTIME, holding the lexer against a full
# yaml.v3 decode; `make test` runs their seeds (testdata/fuzz). What a run
# finds is written there: commit it as a seed once fixed.
FUZZTIME ?= 60s
FUZZ_TARGETS := FuzzSplitResourceList FuzzSplitStream
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  echo "go test -fuzz $$t -fuzztime $(FUZZTIME) ./fn/krmio" >&2; \
	  go test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./fn/krmio || exit 1; \
	done

bench:
	go test -run '^$$' -bench . -benchtime 5x ./fn/krmio/
	bash tests/bench/bench.sh

# The image: from source with docker when an engine answers, else the
# prebuilt target (bin/csi-placement) with buildah, which pulls nothing.
image: build
	@if docker info >/dev/null 2>&1; then \
	  docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) . ; \
	else \
	  buildah bud $(BUILDAH_FLAGS) --target prebuilt --build-arg VERSION=$(VERSION) -t $(IMAGE) . ; \
	fi

# The container tier: builds its own image in a private store and runs the
# examples through it with podman (kpt --image, Kptfile image:, kustomize
# container:). Needs buildah, podman and runc.
image-test: $(KUSTOMIZE)
	go test -tags container -count 1 -run TestContainer -v ./tests

# Installs the binary as a kustomize transformer plugin.
install-plugin: build
	mkdir -p $(PLUGIN_DIR)
	cp $(BIN)/csi-placement $(PLUGIN_DIR)/PlacementPolicy
	@echo "installed $(PLUGIN_DIR)/PlacementPolicy"

clean:
	rm -rf $(BIN)
