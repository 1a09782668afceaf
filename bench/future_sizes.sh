#!/usr/bin/env bash
# The size in bytes of each GraphQL type's field future: async-graphql boxes one per selected field, as
# large as the type's largest resolver, so a list page allocates and copies this much per field it
# resolves. Large resolvers box their own work to keep these small (see the note above `impl Term`).
#
# usage: bench/future_sizes.sh [how many lines, default 25]
# Compiles the server library once more in release with rustc's type-size report, which is unstable:
# RUSTC_BOOTSTRAP=1 lets the stable compiler print it, for this diagnostic only. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-25}"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
RUSTC_BOOTSTRAP=1 cargo rustc --release --lib --quiet -- -Zprint-type-sizes >"$report"
printf '%8s  %s\n' bytes "type (its resolve_field future)"
sed -nE 's/^print-type-size type: `\{async fn body of (.*)::resolve_field\(\)\}`: ([0-9]+) bytes.*/\2 \1/p' "$report" |
  sed -E 's/^([0-9]+) (<)?(.*::_::<impl async_graphql::ContainerType for )?/\1 /; s/( as async_graphql::ContainerType)?>?$//' |
  grep -v '^[0-9]* &\|MergedObject\|async_graphql::model::' |
  sort -rn | head -n "$lines" | awk '{printf "%8s  %s\n", $1, $2}'
