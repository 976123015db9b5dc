#!/bin/sh
# Renders the CSI driver's chart, placed by csi-placement as Helm's
# post-renderer, into the folder Flux applies (default: rendered/). Run it
# in CI on every change to the chart, the values or the policy, and commit
# (or publish) the result; `git diff --exit-code rendered/` after it fails a
# pull request whose rendered/ is stale. On any error it exits non-zero and
# leaves rendered/ as it was.
set -eu
cd "$(dirname "$0")"
out=${1:-rendered}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
helm template harvester-csi-driver ../helm/harvester-csi-driver --namespace kube-system \
  --set nameOverride=harvester-csi \
  --post-renderer csi-placement \
  --post-renderer-args=--config=placement.yaml --post-renderer-args=- \
  > "$tmp"
# The placed output must pass the audit with the same policy.
csi-placement --config placement.yaml --set mode=Audit --quiet - < "$tmp" > /dev/null
mkdir -p "$out"
cat "$tmp" > "$out/harvester-csi-driver.yaml"
