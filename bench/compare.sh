#!/usr/bin/env bash
# The performance benchmark: our server on SQLite and on PostgreSQL beside PostGraphile v4 and a ceiling
# server (axum answering a fixed body), in one run, on 127.0.0.1 only. Installs what it needs (wrk from
# Debian, PostGraphile from npm as pinned by ../shared/bench/postgraphile, psycopg2 in a virtualenv), builds
# the release binaries, then runs bench/compare.py, which prints one table and writes it as JSON.
#
# usage: bench/compare.sh [compare.py options]     e.g. --duration 5 --queries q1,q3 --cache both
#        (defaults: 10 000 terms, 3 s warm-up + 15 s per run, 32 and 256 connections, our response cache
#        off then on)
# Takes about 15 minutes with the defaults, 10 with --cache off; stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${GLOSSARY_BENCH_CACHE:-${HOME:-/root}/.cache/glossary-bench}"
peer_source="../shared/bench/postgraphile"
mkdir -p "$cache"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v psql >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; }
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi

# PostGraphile, installed once per version of its lock file.
peer="$cache/postgraphile"
if ! cmp -s "$peer_source/package-lock.json" "$peer/package-lock.json" 2>/dev/null || [ ! -d "$peer/node_modules" ]; then
  rm -rf "$peer" && mkdir -p "$peer"
  cp "$peer_source/package.json" "$peer_source/package-lock.json" "$peer/"
  (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error)
fi

# psycopg2 for the peer's loader, in a virtualenv of the benchmark's own.
if [ ! -x "$cache/venv/bin/python" ] || ! "$cache/venv/bin/python" -c 'import psycopg2' 2>/dev/null; then
  python3 -m venv "$cache/venv"
  "$cache/venv/bin/pip" install --quiet psycopg2-binary
fi

# The cargo profile to build (bench/profile.sh asks for `profiling`: release with line tables).
profile="${GLOSSARY_BENCH_PROFILE:-release}"
cargo build --profile "$profile" --quiet --bin glossary --example ceiling
target="${CARGO_TARGET_DIR:-target}"

exec "$cache/venv/bin/python" bench/compare.py \
  --binary "$target/$profile/glossary" --ceiling "$target/$profile/examples/ceiling" \
  --postgraphile-dir "$peer" "$@"
