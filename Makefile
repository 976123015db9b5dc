# csi-placement. `make demo` builds the function and runs the Harvester
# example through kustomize; `make test` runs every test.
SHELL := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
KUSTOMIZE_VERSION := v5.8.2
BIN := $(CURDIR)/bin
KUSTOMIZE := $(BIN)/kustomize
HELM_VERSION := v3.22.0
HELM4_VERSION := v4.3.2
HELM := $(BIN)/helm
HELM4 := $(BIN)/helm4
# staticcheck 2026.2.2 (module version v0.8.2), the newest release on the
# module proxy; it builds with Go 1.26 and checks code written for it.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(BIN)/staticcheck
PLUGIN_HOME ?= $(if $(KUSTOMIZE_PLUGIN_HOME),$(KUSTOMIZE_PLUGIN_HOME),$(if $(XDG_CONFIG_HOME),$(XDG_CONFIG_HOME),$(HOME)/.config)/kustomize/plugin)
PLUGIN_DIR := $(PLUGIN_HOME)/fn.csi-placement.dev/v1alpha1/placementpolicy
export PATH := $(BIN):$(PATH)

IMAGE ?= localhost/csi-placement:$(VERSION)
BUILDAH_FLAGS ?= --isolation chroot --storage-driver vfs

.PHONY: cluster-test build test demo bench fuzz install-plugin kustomize helm helm4 pre-commit tools fmt vet lint staticcheck tidy clean image image-test

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/csi-placement/csi-placement/fn/internal/cli.Version=$(VERSION)" -o $(BIN)/csi-placement ./fn

# The kustomize CLI at the pinned version, in bin/ (newer ones need a newer Go).
kustomize: $(KUSTOMIZE)
$(KUSTOMIZE):
	GOBIN=$(BIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

# helm at the pinned versions, in bin/ (helm for v3, helm4 for v4), built
# from the Go module proxy with the release's ldflags: a plain build reports
# v3.22 and tells charts the cluster is Kubernetes v1.20. Helm 3 takes the
# Kubernetes version from ldflags (chartutil and lint/rules), Helm 4 from the
# client-go version in its build info. Skipped when the binary reports the
# version already.
HELM3_LDFLAGS := -s -w -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
  -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37 \
  -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=37
HELM4_LDFLAGS := -s -w -X helm.sh/helm/v4/internal/version.version=$(HELM4_VERSION) \
  -X helm.sh/helm/v4/internal/version.gitTreeState=clean
helm:
	@if [ "$$($(HELM) version --template '{{.Version}}' 2>/dev/null)" != "$(HELM_VERSION)" ]; then \
	  echo "building helm $(HELM_VERSION) into bin/"; \
	  CGO_ENABLED=0 GOBIN=$(BIN) go install -trimpath -ldflags '$(HELM3_LDFLAGS)' helm.sh/helm/v3/cmd/helm@$(HELM_VERSION); \
	fi
helm4:
	@if [ "$$($(HELM4) version --template '{{.Version}}' 2>/dev/null)" != "$(HELM4_VERSION)" ]; then \
	  echo "building helm $(HELM4_VERSION) into bin/helm4"; \
	  mkdir -p $(BIN)/.helm4 && \
	  CGO_ENABLED=0 GOBIN=$(BIN)/.helm4 go install -trimpath -ldflags '$(HELM4_LDFLAGS)' helm.sh/helm/v4/cmd/helm@$(HELM4_VERSION) && \
	  mv $(BIN)/.helm4/helm $(HELM4) && rmdir $(BIN)/.helm4; \
	fi

demo: build $(KUSTOMIZE)
	@echo "# kustomize build --enable-alpha-plugins --enable-exec examples/harvester" >&2
	@$(KUSTOMIZE) build --enable-alpha-plugins --enable-exec examples/harvester | awk 'BEGIN { RS = "---\n"; ORS = "" } /\nkind: Deployment\n/'

# The tools the end-to-end tests run that Go installs: kustomize, helm v3
# and helm v4, in bin/. (kpt, kubectl and pre-commit come from the machine
# or apt: see .ci/run.)
tools: $(KUSTOMIZE) helm helm4

# The tests build their own binary, stamped, in a temporary folder: bin/
# keeps what make build put there; as go test cannot see that they read the
# function's source, their results are never taken from its cache. The
# packages that work on every core run again under the race detector, short:
# the serial differential tests have run in full by then.
test: tools fmt vet
	go test ./fn/... ./internal/...
	go test -count=1 ./tests/...
	go test -race -short ./fn/internal/parallel ./fn/internal/krmio ./fn/internal/policy

# Fails listing the files gofmt would change (internal and tests/cluster included).
fmt:
	@files=$$(gofmt -l fn internal tests); if [ -n "$$files" ]; then echo "gofmt needed (gofmt -w them):" >&2; echo "$$files" >&2; exit 1; fi

vet:
	go vet ./...

# go vet and staticcheck, at the pinned version in bin/.
lint: vet staticcheck
	$(STATICCHECK) ./...

staticcheck:
	@if [ "$$($(STATICCHECK) -version 2>/dev/null | sed 's/.*(\(.*\))/v\1/')" != "$(STATICCHECK_VERSION)" ]; then \
	  echo "building staticcheck $(STATICCHECK_VERSION) into bin/"; \
	  GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); \
	fi

# go mod tidy must change nothing, in the root module and in tests/cluster's
# (which only resolves modules here; nothing is built).
tidy:
	go mod tidy -diff
	cd tests/cluster && go mod tidy -diff

# Each fuzz target for FUZZTIME: the krmio splitters against a full
# yaml.v3 decode, the config parser, and the whole function in each mode
# (output parses, same items in order, nothing outside the placement
# fields changed, idempotent). `make test` runs their seeds
# (testdata/fuzz); what a run finds is written there: commit it as a seed
# once fixed.
FUZZTIME ?= 60s
FUZZ_TARGETS := fn/internal/krmio:FuzzSplitResourceList fn/internal/krmio:FuzzSplitStream fn/internal/krmio:FuzzEmit fn/internal/config:FuzzParse fn/internal/cli:FuzzFunction
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=./$${t%%:*}; name=$${t#*:}; \
	  echo "go test -fuzz $$name -fuzztime $(FUZZTIME) $$pkg" >&2; \
	  go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s $$pkg || exit 1; \
	done

# The lexer's benchmarks, the whole binary beside two baselines, and the
# function inside kustomize and kpt (needs kpt on PATH).
bench: $(KUSTOMIZE)
	go test -run '^$$' -bench . -benchtime 5x ./fn/internal/krmio/
	bash tests/bench/bench.sh
	bash tests/bench/orchestrators.sh

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

# The real-cluster tier: etcd, kube-apiserver, kube-scheduler and
# kube-controller-manager v1.37.2, built from the Go module proxy once and
# cached by tests/cluster/go.sum, judge every example and real chart.
# One case: make cluster-test RUN='TestCluster/kubeadm/chart-topolvm'
RUN ?= TestCluster
cluster-test:
	@set -o pipefail; bin=$$(bash tests/cluster/build.sh) && cd tests/cluster && CLUSTER_BIN=$$bin go test -count 1 -timeout 75m -v -run '$(RUN)' . | grep -v '^=== \(RUN\|PAUSE\|CONT\)'
