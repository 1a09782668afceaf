#!/usr/bin/env bash
# Profiles our server under load: for each database and each query, a release build with line tables (cargo
# profile `profiling`) runs under `perf record` (CPU clock, DWARF call graphs) while bench/compare.py drives
# the query with wrk, as in the benchmark. Writes, per run, a flame graph (SVG, by inferno) and a summary
# (bench/flame_summary.py: time by part of the server, top functions by own time) to bench/out/profile/.
#
# usage: bench/profile.sh [QUERIES] [SERVERS] [SECONDS]   (defaults: q1,q2,q3  ours-sqlite,ours-postgres  10)
set -euo pipefail
cd "$(dirname "$0")/.."

queries="${1:-q1,q2,q3}"
servers="${2:-ours-sqlite,ours-postgres}"
seconds="${3:-10}"
out="bench/out/profile"
mkdir -p "$out"

command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }
command -v inferno-flamegraph >/dev/null || cargo install --locked --quiet inferno

for query in ${queries//,/ }; do
  GLOSSARY_BENCH_PROFILE=profiling bash bench/compare.sh --servers "$servers" --queries "$query" --cache off \
    --connections 32 --warmup 1 --duration "$seconds" --perf-dir "$out" --json "$out/compare-$query.json"
done

for data in "$out"/*.perf.data; do
  name="${data%.perf.data}"
  perf script -i "$data" 2>/dev/null | inferno-collapse-perf >"$name.folded"
  inferno-flamegraph --title "$(basename "$name")" <"$name.folded" >"$name.svg"
  python3 bench/flame_summary.py "$name.folded" 40 >"$name.txt"
  rm -f "$data"
  echo "$name.svg, $name.txt"
done
