#!/usr/bin/env bash
# The GraphQL-over-HTTP spec's own audit (npm graphql-http, `serverAudits`) against our release server,
# serving the sample glossary from a fresh SQLite file on a free port of 127.0.0.1. Installs the pinned
# audit package on first use (npm ci), builds the release binary when it is not current, and stops the
# server when done. Fails when any MUST or SHOULD is not met.
#
# usage: bash tests/audit/run.sh             (CI runs it; CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")"
here="$PWD"
root="$(cd ../.. && pwd)"

if ! cmp -s package-lock.json node_modules/.installed-lock.json 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.installed-lock.json
fi

(cd "$root" && cargo build --release --quiet --bin glossary)
binary="${CARGO_TARGET_DIR:-$root/target}/release/glossary"

workdir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
RUST_LOG=warn "$binary" --database-url "sqlite://$workdir/audit.db?mode=rwc" serve \
  --bind "127.0.0.1:$port" >"$workdir/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$workdir"' EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$workdir/server.log"; exit 1; }
  sleep 0.1
done

node "$here/audit.mjs" "http://127.0.0.1:$port/graphql"
