#!/usr/bin/env bash
# Read benchmark: serves a synthetic glossary from a release build and loads it with wrk on 127.0.0.1, for a
# fixed time, once per DataLoader batch delay. Query: a 50-term page with sections, FAQs, related terms and
# categories (the shape the N+1 test counts). Prints requests/s and latency; checks nothing.
#
# usage: bench/read.sh [TERMS] [SECONDS] [DELAYS_US…]     (defaults: 2000 10 0 500 2000)
#        DATABASE_URL=postgres://… bench/read.sh          (default: a fresh SQLite file)
set -euo pipefail
cd "$(dirname "$0")/.."

terms="${1:-2000}"
seconds="${2:-10}"
shift $(( $# > 2 ? 2 : $# ))
if [ $# -gt 0 ]; then delays=("$@"); else delays=(0 500 2000); fi
port=18765
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/glossary"
url="${DATABASE_URL:-sqlite://$work/read.db?mode=rwc}"

python3 ../shared/bench/gen_content.py "$terms" "$work/pack.jsonl"
DATABASE_URL="$url" RUST_LOG=warn "$bin" migrate fresh
DATABASE_URL="$url" RUST_LOG=warn "$bin" import "$work/pack.jsonl"

cat >"$work/page.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"{ terms(first: 50) { totalCount nodes { slug name title definition sections { heading anchor body(format: HTML) } faqs { question answer } relatedTerms { slug name } categories { slug name } tableOfContents { title anchor } } } }"}'
LUA

echo "glossary: $terms terms on ${url%%:*}; wrk: 2 threads, 16 connections, ${seconds}s per run; $(nproc) cores shared by server and client"
for delay in "${delays[@]}"; do
  DATABASE_URL="$url" RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" --no-migrate --no-sample-content \
    --batch-delay-us "$delay" &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  printf '\n-- batch delay %s us --\n' "$delay"
  wrk -t2 -c16 -d"${seconds}s" --latency -s "$work/page.lua" "http://127.0.0.1:$port/graphql" \
    | grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
  kill "$server"; wait "$server" 2>/dev/null || true
  server=""
done
