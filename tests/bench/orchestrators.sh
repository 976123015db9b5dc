#!/usr/bin/env bash
# The function inside kustomize and kpt, on the generated items (1,000 by
# default): each orchestrator's run with csi-placement beside the same run
# with a no-op function (cat, which returns the ResourceList it is given)
# and, for kustomize, with no function, against csi-placement standalone on
# the same stream. Prints median wall and CPU times; the cases take turns,
# so a busy machine slows them alike. Needs kustomize (make
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

# time_one NAME CMD...: runs CMD once, appending its wall time and its CPU time
# (user + system, of the process and its children: the function included)
# in seconds to $work/t-NAME; output is discarded, a failure stops.
time_one() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  tail -n 1 "$work/time" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }' >>"$work/t-$name"
}

# median NAME: "wall cpu", each the median of NAME's runs.
median() {
  local w c
  w=$(cut -d' ' -f1 "$work/t-$1" | sort -g | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}')
  c=$(cut -d' ' -f2 "$work/t-$1" | sort -g | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}')
  echo "$w $c"
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

# The cases, run in turn RUNS times, so that a busy machine slows them alike.
cases=(standalone function k-none k-cat k-csi-placement kpt-cat kpt-csi-placement)
run_case() {
  case $1 in
  standalone) time_one "$1" "$work/bin/csi-placement" --set replicas=2 "$work/items.yaml" ;;
  function) time_one "$1" sh -c "\"$work/bin/csi-placement\" <\"$work/rl.yaml\"" ;;
  k-*) time_one "$1" kustomize build --enable-alpha-plugins --enable-exec "$work/$1" ;;
  kpt-cat) time_one "$1" kpt fn eval "$work/pkg" -o stdout --exec "$(command -v cat)" -- replicas=2 ;;
  kpt-csi-placement) time_one "$1" kpt fn eval "$work/pkg" -o stdout --exec "$work/bin/csi-placement" -- replicas=2 ;;
  esac
}
for _ in $(seq "$runs"); do
  for c in "${cases[@]}"; do run_case "$c"; done
done

printf '%s items, median of %s runs; wall and CPU (user + system) seconds\n' "$size" "$runs"
printf '  %-48s %6s %6s\n' "" wall cpu
label() {
  case $1 in
  standalone) echo "csi-placement standalone (YAML stream)" ;;
  function) echo "csi-placement as a KRM function (ResourceList)" ;;
  k-*) echo "kustomize build, function: ${1#k-}" ;;
  kpt-*) echo "kpt fn eval -o stdout, function: ${1#kpt-}" ;;
  esac
}
for c in "${cases[@]}"; do
  read -r w cpu < <(median "$c")
  printf '  %-48s %6s %6s\n' "$(label "$c")" "$w" "$cpu"
done
