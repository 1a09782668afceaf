#!/usr/bin/env bash
# Hostile-request benchmark: serves the sample glossary from a release build and sends each bomb of issue 8
# (examples/hostile_bench.rs) many times: how the server answers, what admission measured against which
# limit, and how long the refusal took, also as a multiple of a `{ __typename }` round trip in the same run.
# Talks to 127.0.0.1 only and stops by itself.
#
# usage: bench/hostile.sh [ROUNDS]    (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-30}"
port=18767
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet --bin glossary --example hostile_bench
target="${CARGO_TARGET_DIR:-target}/release"
url="sqlite://$work/hostile.db?mode=rwc"

# The anonymous rate limit is off so that every round is answered by admission, not by the limiter.
DATABASE_URL="$url" RUST_LOG=warn "$target/glossary" serve --bind "127.0.0.1:$port" \
  --anonymous-requests-per-minute 0 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

echo "$(nproc) cores shared by the server and the client"
timeout 300 "$target/examples/hostile_bench" --url "http://127.0.0.1:$port" --rounds "$rounds"
echo "server memory after the run: $(awk '/VmRSS/ { print $2 / 1024 " MiB" }' "/proc/$server/status")"
kill "$server"; wait "$server" 2>/dev/null || true
server=""
