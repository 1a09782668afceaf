#!/usr/bin/env bash
# The GraphQL-over-HTTP spec's own audit (npm graphql-http, `serverAudits`) against our release server,
# serving the sample glossary from a fresh SQLite file on a free port of 127.0.0.1. Installs the pinned
# audit package on first use (npm ci), builds the release binary when it is not current, and stops the
# server when done. Fails when any MUST or SHOULD is not met.
#
# usage: bash tests/audit/run.sh             (CI runs it; CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
source "$root/tests/scripts/release-server.sh"

npm_ci_if_changed
build_release
start_server
node audit.mjs "http://127.0.0.1:$port/graphql"
