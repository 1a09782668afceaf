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

source "$root/tests/scripts/release-server.sh"

npm_ci_if_changed
npx graphql-codegen --config codegen.yml --silent
npx tsc --strict --noEmit
npx tsc
echo "tsc --strict: the client type-checks against schema.graphql and the operations"

build_release
start_server
GLOSSARY_API_KEY="$(editor_key)" node dist/main.js "http://127.0.0.1:$port/graphql"
stop_server

start_server --trusted-documents "$PWD/src/gql/persisted-documents.json"
echo "trusted-documents mode:"
GLOSSARY_TRUSTED=1 GLOSSARY_API_KEY="$(editor_key)" node dist/main.js "http://127.0.0.1:$port/graphql"
# Anything outside the manifest is refused.
refused="$(curl -s "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
  -d '{"query":"{ terms(first: 1) { totalCount } }"}')"
case "$refused" in
  *TRUSTED_DOCUMENT_REQUIRED*) echo "a document outside the manifest: TRUSTED_DOCUMENT_REQUIRED" ;;
  *) echo "expected TRUSTED_DOCUMENT_REQUIRED, got: $refused"; exit 1 ;;
esac
