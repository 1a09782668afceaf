#!/usr/bin/env bash
# Subscription fan-out benchmark: serves the sample glossary from a release build, opens N WebSocket
# subscribers on 127.0.0.1 (examples/subscriber_bench.rs), changes one term per round and prints the time from
# the change to its delivery at every subscriber (p50, p99, max) and the server's memory. Stops by itself.
#
# usage: bench/subscribers.sh [SUBSCRIBERS] [ROUNDS] [STALLED]    (defaults: 5000 3 0)
#        STALLED subscribers subscribe to large events and never read: they are dropped as slow consumers
#        while the others keep receiving, and the server's memory per round shows it stays flat.
#        DATABASE_URL=postgres://… bench/subscribers.sh       (a scratch database: it is wiped first;
#                                                              default: a fresh SQLite file)
set -euo pipefail
cd "$(dirname "$0")/.."

subscribers="${1:-5000}"
rounds="${2:-3}"
stalled="${3:-0}"
port=18766
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Each subscriber is a socket in the server and one in the client.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((subscribers + stalled + 512)) ]; then
  echo "the open-file limit ($(ulimit -n)) is too low for $subscribers subscribers" >&2
  exit 1
fi

cargo build --release --quiet --bin glossary --example subscriber_bench
target="${CARGO_TARGET_DIR:-target}/release"
url="${DATABASE_URL:-sqlite://$work/subscribers.db?mode=rwc}"

DATABASE_URL="$url" RUST_LOG=warn "$target/glossary" migrate fresh
key="$(DATABASE_URL="$url" RUST_LOG=warn "$target/glossary" api-key create --name "bench-$$" --role editor 2>/dev/null)"
DATABASE_URL="$url" RUST_LOG=warn "$target/glossary" serve --bind "127.0.0.1:$port" \
  --ws-max-connections $((subscribers + stalled + 100)) &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

echo "database: ${url%%:*}; $(nproc) cores shared by the server and the subscribers"
timeout 600 "$target/examples/subscriber_bench" --url "http://127.0.0.1:$port" --key "$key" \
  --subscribers "$subscribers" --rounds "$rounds" --stalled "$stalled" --server-pid "$server"
kill "$server"; wait "$server" 2>/dev/null || true
server=""
