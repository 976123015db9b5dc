#!/usr/bin/env bash
# Builds the real control plane for the cluster tier from the Go module
# proxy, pinned by this module's go.mod: etcd, kube-apiserver,
# kube-scheduler and kube-controller-manager. The binaries are cached by
# what decides them: the Go version, the module requirements and replaces
# of go.mod (not its comments or layout: `go mod tidy` moving a line or an
# `// indirect` changes no binary) and go.sum. Only the first run pays the
# cold build (about 12 minutes on 2 cores). Prints the folder that holds
# them.
set -euo pipefail
cd "$(dirname "$0")"
key=$( { go env GOVERSION; sed -e 's,//.*,,' -e 's,^require ,,' -e 's,^replace ,,' go.mod | awk 'NF && $0 !~ /^[()]$/ && $0 !~ /^(require|replace) *\($/ { $1 = $1; print }' | sort; cat go.sum; } | sha256sum | cut -c1-16)
out=${CLUSTER_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/csi-placement/cluster/$key}
version=v1.37.2
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/client-go/pkg/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 -X k8s.io/component-base/version.gitTreeState=clean"
build() { # name package
  if [ ! -x "$out/$1" ]; then
    echo "building $1 ($2)" >&2
    CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/$1.tmp" "$2"
    mv "$out/$1.tmp" "$out/$1"
  fi
}
mkdir -p "$out"
build etcd go.etcd.io/etcd/server/v3
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
echo "$out"
