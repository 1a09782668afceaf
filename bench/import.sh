#!/usr/bin/env bash
# Import benchmark: times `glossary import` of a synthetic content pack (../shared/bench/gen_content.py) into
# a fresh SQLite file and a fresh PostgreSQL database, with a release build. Prints figures; checks nothing.
#
# usage: bench/import.sh [TERMS]          (default 10000)
#        POSTGRES_URL=postgres://… bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."

terms="${1:-10000}"
postgres_url="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
work="$(mktemp -d)"
bench_db="glossary_bench_$$"
cleanup() {
  rm -rf "$work"
  psql -q "$postgres_url" -c "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

python3 ../shared/bench/gen_content.py "$terms" "$work/pack.jsonl"
echo "pack: $terms terms, $(wc -c <"$work/pack.jsonl") bytes"

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/glossary"

run() {
  local label="$1" url="$2"
  DATABASE_URL="$url" "$bin" migrate up >/dev/null 2>&1
  /usr/bin/time -f "$label: %e s wall, %U s user, %M KiB peak memory" \
    env DATABASE_URL="$url" RUST_LOG=warn "$bin" import "$work/pack.jsonl"
}

run "sqlite" "sqlite://$work/bench.db?mode=rwc"
psql -q "$postgres_url" -c "CREATE DATABASE $bench_db" >/dev/null
run "postgres" "${postgres_url%/*}/$bench_db"
