#!/usr/bin/env bash
# GraphiQL in headless Chromium against our release server serving the sample glossary on a free port of
# 127.0.0.1 (graphiql.mjs says what it checks). Installs what it needs: Debian's chromium (apt) and the
# pinned playwright-core (npm ci). The screenshot goes to tests/browser/out/graphiql.png.
#
# usage: bash tests/browser/run.sh      (CI runs it; CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
source "$root/tests/scripts/release-server.sh"

if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
npm_ci_if_changed
build_release
start_server
mkdir -p out
node graphiql.mjs "http://127.0.0.1:$port" "$(editor_key)" "$PWD/out/graphiql.png"
