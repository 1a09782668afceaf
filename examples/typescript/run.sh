#!/usr/bin/env bash
# The TypeScript example, end to end: installs the pinned packages (npm ci), generates typed documents
# from ../../schema.graphql and ../operations (GraphQL Code Generator, client preset), checks the client
# with `tsc --strict --noEmit`, builds it, then runs it against our release server serving the sample
# glossary on a free port of 127.0.0.1: once sending document texts, once against a server in
# trusted-documents mode fed the persisted-documents.json that codegen wrote, sending hashes only.
#
# usage: bash examples/typescript/run.sh      (CI runs it; CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"

if ! cmp -s package-lock.json node_modules/.installed-lock.json 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.installed-lock.json
fi
npx graphql-codegen --config codegen.yml --silent
npx tsc --strict --noEmit
npx tsc
echo "tsc --strict: the client type-checks against schema.graphql and the operations"

(cd "$root" && cargo build --release --quiet --bin glossary)
binary="${CARGO_TARGET_DIR:-$root/target}/release/glossary"
workdir="$(mktemp -d)"
server=""
stop() { [ -n "$server" ] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }; server=""; }
trap 'stop; rm -rf "$workdir"' EXIT

# serve PORT [flags]: the sample glossary on a fresh SQLite file, waiting until it is ready.
serve() {
  local port="$1"; shift
  RUST_LOG=warn "$binary" --database-url "sqlite://$workdir/db-$port.db?mode=rwc" serve \
    --bind "127.0.0.1:$port" "$@" >"$workdir/server-$port.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || { cat "$workdir/server-$port.log"; exit 1; }
    sleep 0.1
  done
  echo "the server did not get ready"; cat "$workdir/server-$port.log"; exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
editor_key() {
  echo "Bearer $("$binary" --database-url "sqlite://$workdir/db-$1.db?mode=rwc" api-key create --name "ts-$1" --role editor 2>/dev/null)"
}

port="$(free_port)"
serve "$port"
GLOSSARY_API_KEY="$(editor_key "$port")" node dist/main.js "http://127.0.0.1:$port/graphql"
stop

port="$(free_port)"
serve "$port" --trusted-documents "$PWD/src/gql/persisted-documents.json"
echo "trusted-documents mode:"
GLOSSARY_TRUSTED=1 GLOSSARY_API_KEY="$(editor_key "$port")" node dist/main.js "http://127.0.0.1:$port/graphql"
# Anything outside the manifest is refused.
refused="$(curl -s "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
  -d '{"query":"{ terms(first: 1) { totalCount } }"}')"
case "$refused" in
  *TRUSTED_DOCUMENT_REQUIRED*) echo "a document outside the manifest: TRUSTED_DOCUMENT_REQUIRED" ;;
  *) echo "expected TRUSTED_DOCUMENT_REQUIRED, got: $refused"; exit 1 ;;
esac
