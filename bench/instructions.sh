#!/usr/bin/env bash
# Instructions per request of our server for the benchmark's queries, counted by valgrind's callgrind
# (bench/instructions.py): a measure that repeats run to run on shared cores, for comparing two builds.
#
# usage: bench/instructions.sh [instructions.py options]
#   e.g. bench/instructions.sh --queries q1,q3 --binary /tmp/glossary-before --binary /tmp/glossary-after
# Without --binary it builds and measures the release binary of this checkout. It also builds
# examples/executor_floor.rs and counts async-graphql alone answering Q1 and Q2 from memory, and the
# ceiling server (examples/ceiling.rs) answering a request with hyper and axum alone: the floors under
# the server's figures (unless given --floor or --ceiling of their own). Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
target="${CARGO_TARGET_DIR:-target}/release"
if [[ " $* " != *" --binary "* ]]; then
  cargo build --release --quiet --bin glossary
  set -- --binary "$target/glossary" "$@"
fi
if [[ " $* " != *" --floor "* ]]; then
  cargo build --release --quiet --example executor_floor
  set -- --floor "$target/examples/executor_floor" "$@"
fi
if [[ " $* " != *" --ceiling "* ]]; then
  cargo build --release --quiet --example ceiling
  set -- --ceiling "$target/examples/ceiling" "$@"
fi
exec python3 bench/instructions.py "$@"
