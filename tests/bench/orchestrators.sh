#!/usr/bin/env bash
# The function inside kustomize and kpt, on the generated items (1,000 by
# default): each orchestrator's run with csi-placement beside the same run
# with a no-op function (cat, which returns the ResourceList it is given)
# and, for kustomize, with no function, against csi-placement standalone on
# the same stream. Prints median wall times. Needs kustomize (make
# kustomize) and kpt on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-3}
size=${SIZE:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PATH=$PWD/bin:$PATH

go build -o "$work/gen" ./tests/bench/gen
CGO_ENABLED=0 go build -trimpath -o "$work/bin/csi-placement" ./fn

# median CMD...: the median wall time of RUNS runs, in seconds (the
# shell's microsecond clock); output is discarded, a failure stops.
median() {
  local t=()
  for _ in $(seq "$runs"); do
    local start=$EPOCHREALTIME
    "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    local end=$EPOCHREALTIME
    t+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${t[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'
}

"$work/gen" -n "$size" -stream >"$work/items.yaml"
"$work/gen" -n "$size" >"$work/rl.yaml"

# kustomize: one kustomization per function, over the same resources.
for fn in none cat csi-placement; do
  d=$work/k-$fn
  mkdir -p "$d"
  cp "$work/items.yaml" "$d/items.yaml"
  if [ "$fn" = none ]; then
    printf 'resources:\n- items.yaml\n' >"$d/kustomization.yaml"
    continue
  fi
  printf 'resources:\n- items.yaml\ntransformers:\n- fn.yaml\n' >"$d/kustomization.yaml"
  path=$work/bin/csi-placement
  [ "$fn" = cat ] && path=$(command -v cat)
  printf 'apiVersion: fn.csi-placement.dev/v1alpha1\nkind: PlacementPolicy\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: %s\nspec:\n  replicas: 2\n' "$path" >"$d/fn.yaml"
done

# kpt: a package of the same items, evaluated to stdout, so every run
# reads the same files.
kpt fn sink "$work/pkg" <"$work/rl.yaml"

printf '%s items, median of %s runs (seconds)\n' "$size" "$runs"
printf '  %-48s %6s\n' "csi-placement standalone" "$(median "$work/bin/csi-placement" --set replicas=2 "$work/items.yaml")"
printf '  %-48s %6s\n' "csi-placement as a KRM function (ResourceList)" "$(median sh -c "\"$work/bin/csi-placement\" <\"$work/rl.yaml\"")"
for fn in none cat csi-placement; do
  printf '  %-48s %6s\n' "kustomize build, function: $fn" "$(median kustomize build --enable-alpha-plugins --enable-exec "$work/k-$fn")"
done
for fn in cat csi-placement; do
  e=$work/bin/csi-placement
  [ "$fn" = cat ] && e=$(command -v cat)
  printf '  %-48s %6s\n' "kpt fn eval -o stdout, function: $fn" "$(median kpt fn eval "$work/pkg" -o stdout --exec "$e" -- replicas=2)"
done
