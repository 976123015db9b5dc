#!/bin/sh
# Helm 4 runs this with the rendered manifests on stdin and each
# --post-renderer-args value as an argument, and reads the placed manifests
# from stdout. The binary: $CSI_PLACEMENT, else csi-placement on PATH.
# Helm 4.3 drops a post-renderer plugin's stderr, even when it fails: set
# CSI_PLACEMENT_STDERR to a file to keep the function's messages.
if [ -n "${CSI_PLACEMENT_STDERR:-}" ]; then
  exec "${CSI_PLACEMENT:-csi-placement}" "$@" - 2>>"$CSI_PLACEMENT_STDERR"
fi
exec "${CSI_PLACEMENT:-csi-placement}" "$@" -
