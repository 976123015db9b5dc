#!/usr/bin/env bash
# Whole-process benchmark: csi-placement beside a no-op KRM function on the
# SDK and a bare yaml.v3 decode + item-by-item encode, on the same generated
# ResourceLists of 1k and 10k items, in one run: one mix with a CSI
# controller per 500 items (a cluster's whole manifests, mostly copied
# through) and one with a controller per 10 items (mostly rules). Prints
# medians of wall time and peak RSS, and ratios to the baselines. Compare
# ratios, not seconds: the machines are small and noisy. BASE=REF also
# builds the function at a git ref (from `git archive`, so no worktree is
# touched) and measures it in the same run, for before and after.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-5}
sizes=${SIZES:-"1000 10000"}
mixes=${MIXES:-"500 10"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/gen" ./tests/bench/gen
go build -o "$work/roundtrip" ./tests/bench/roundtrip
go build -o "$work/sdknoop" ./tests/bench/sdknoop
CGO_ENABLED=0 go build -trimpath -o "$work/csi-placement" ./fn
tools="csi-placement roundtrip sdknoop"
if [ -n "${BASE:-}" ]; then
  mkdir "$work/base"
  git archive "$BASE" | tar -x -C "$work/base"
  (cd "$work/base" && CGO_ENABLED=0 go build -trimpath -o "$work/base-$BASE" ./fn)
  tools="base-$BASE $tools"
fi

# measure INPUT TOOL...: runs the tools in turns, RUNS times, so that a
# busy machine slows them alike, and prints "tool median_seconds
# median_peak_kb" for each (wall time from the shell's microsecond clock;
# peak RSS from GNU time)
measure() {
  local input=$1 tool
  shift
  for tool in "$@"; do : >"$work/t.$tool"; : >"$work/m.$tool"; done
  for _ in $(seq "$runs"); do
    for tool in "$@"; do
      local start=$EPOCHREALTIME
      /usr/bin/time -f "%M" -o "$work/time" "$work/$tool" <"$input" >/dev/null 2>&1
      local end=$EPOCHREALTIME
      echo "$end - $start" | bc -l >>"$work/t.$tool"
      cat "$work/time" >>"$work/m.$tool"
    done
  done
  for tool in "$@"; do
    printf '%s ' "$tool"
    sort -g "$work/t.$tool" | awk '{a[NR]=$1} END {printf "%s ", a[int((NR+1)/2)]}'
    sort -g "$work/m.$tool" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
  done
}

printf 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {on-no-match: ignore}\n' >"$work/empty.yaml"
printf '%-8s %-10s %-18s %10s %12s\n' items csi-every tool seconds peak_MB
for size in $sizes; do
  for every in $mixes; do
    "$work/gen" -n "$size" -csi-every "$every" >"$work/in.yaml"
    declare -A sec mem
    while read -r tool s k; do
      sec[$tool]=$s; mem[$tool]=$k
      printf '%-8s %-10s %-18s %10.4f %12.1f\n' "$size" "$every" "$tool" "$s" "$(echo "$k/1024" | bc -l)"
    done < <(measure "$work/in.yaml" $tools)
    for tool in $tools; do
      case $tool in roundtrip | sdknoop) continue ;; esac
      awk -v t="$tool" -v a="${sec[$tool]}" -v b="${sec[roundtrip]}" -v c="${sec[sdknoop]}" -v ma="${mem[$tool]}" -v mb="${mem[roundtrip]}" -v n="$size" -v e="$every" \
        'BEGIN { printf "%-8s %-10s %-18s time vs roundtrip %.3fx, vs SDK no-op %.3fx; peak memory vs roundtrip %.3fx\n", n, e, t, a/b, a/c, ma/mb }'
    done
  done
done
echo "start-up on an empty list (median of $((runs * 4)) runs):"
runs=$((runs * 4))
while read -r tool s k; do
  printf '  %-18s %8.4fs %8.1f MB\n' "$tool" "$s" "$(echo "$k/1024" | bc -l)"
done < <(measure "$work/empty.yaml" ${tools/roundtrip /})
