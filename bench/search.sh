#!/usr/bin/env bash
# Search and linking latency benchmark: the 10 000-term pack from ../shared/bench/gen_content.py served
# by a release build on SQLite and on PostgreSQL (response cache off, so every request runs), `suggest`
# driven as a user types (each keystroke of the first word of 500 names), `search` with one and two
# words taken from names and definitions, a term page's sections and FAQ answers as Markdown (`page-md`)
# and as HTML with automatic cross-links (`page-html`: the difference is what linking costs), and
# `backlinks` of 500 terms. One connection at a time (wrk -c1), 10 s per run after a 2 s warm-up, on
# 127.0.0.1 only; prints p50 and p99 per engine and field, beside the floor: `{ __typename }` on the
# same server in the same run (HTTP, admission and scheduling on this machine, no SQL). Checks
# nothing: the figures are for docs/performance.md.
#
# usage: bench/search.sh [TERMS] [SECONDS]      (defaults: 10000 10)
#        FIELDS="floor suggest" bench/search.sh  runs only those fields
set -euo pipefail
cd "$(dirname "$0")/.."

terms="${1:-10000}"
seconds="${2:-10}"
port=18775
work="$(mktemp -d)"
server=""
pg_db="glossary_search_bench"
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
cargo build --release --quiet --bin glossary
bin="${CARGO_TARGET_DIR:-target}/release/glossary"

python3 ../shared/bench/gen_content.py "$terms" "$work/pack.jsonl" >/dev/null
# Request bodies as a user would send them, written into one wrk script per field.
python3 - "$work" <<'PY'
import json, random, re, sys
work = sys.argv[1]
rng = random.Random(7)
terms = [json.loads(line) for line in open(f"{work}/pack.jsonl")]
published = [t for t in terms if t.get("status", "published") == "published"]
suggest, search, page_md, page_html, backlinks = [], [], [], [], []
page = ("query($s: String!) {{ term(slug: $s) {{ sections {{ heading body{f} }} "
        "faqs {{ question answer{f} }} }} }}")
for term in rng.sample(published, 500):
    page_md.append({"query": page.format(f=""), "variables": {"s": term["slug"]}})
    page_html.append({"query": page.format(f="(format: HTML)"), "variables": {"s": term["slug"]}})
    backlinks.append({"query": "query($s: String!) { term(slug: $s) { backlinks(first: 10) "
                               "{ nodes { slug } } } }", "variables": {"s": term["slug"]}})
    first = re.findall(r"\w+", term["name"])[0]
    for n in range(1, min(len(first), 6) + 1):
        suggest.append({"query": "query($p: String!) { suggest(prefix: $p) { slug name } }",
                        "variables": {"p": first[:n]}})
    words = re.findall(r"\w{4,}", term["definition"])
    query = rng.choice(words) if words else first
    if len(words) > 1 and rng.random() < 0.5:
        query += " " + rng.choice(words)[:3]
    search.append({"query": "query($q: String!) { search(query: $q, first: 10) "
                            "{ edges { node { score snippet term { slug name } } } } }",
                   "variables": {"q": query}})
floor = [{"query": "{ __typename }"}]
fields = (("floor", floor), ("suggest", suggest), ("search", search), ("page-md", page_md),
          ("page-html", page_html), ("backlinks", backlinks))
for field, bodies in fields:
    with open(f"{work}/{field}.lua", "w") as out:
        out.write("bodies = {\n")
        for body in bodies:
            out.write("  " + json.dumps(json.dumps(body)) + ",\n")
        out.write("}\ni = 0\nrequest = function()\n  i = i % #bodies + 1\n"
                  "  return wrk.format('POST', '/graphql', {['Content-Type'] = 'application/json', "
                  "['Accept'] = 'application/json'}, bodies[i])\nend\n")
PY

echo "search benchmark: $terms terms; wrk 1 thread, 1 connection, ${seconds}s per run; $(nproc) cores shared"
printf '%-10s %-9s %10s %10s %10s %8s\n' engine field "req/s" "p50 ms" "p99 ms" errors
for engine in sqlite postgres; do
  if [ "$engine" = sqlite ]; then
    url="sqlite://$work/search.db?mode=rwc"
  else
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $pg_db" >/dev/null
    url="postgres://postgres@127.0.0.1:5432/$pg_db?sslmode=disable"
  fi
  DATABASE_URL="$url" RUST_LOG=warn "$bin" migrate fresh >/dev/null
  DATABASE_URL="$url" RUST_LOG=warn "$bin" import "$work/pack.jsonl" >/dev/null
  DATABASE_URL="$url" RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" --no-migrate \
    --no-sample-content --response-cache-bytes 0 --anonymous-requests-per-minute 0 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  for field in ${FIELDS:-floor suggest search page-md page-html backlinks}; do
    wrk -t1 -c1 -d2s -s "$work/$field.lua" "http://127.0.0.1:$port/graphql" >/dev/null
    out="$(wrk -t1 -c1 -d"${seconds}s" --latency -s "$work/$field.lua" "http://127.0.0.1:$port/graphql")"
    python3 - "$engine" "$field" <<PY
import re, sys
out = """$out"""
def ms(value):
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
p50 = ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(f"{sys.argv[1]:<10} {sys.argv[2]:<9} {rps:10.0f} {p50:10.3f} {p99:10.3f} {errors.group(1) if errors else 0:>8}")
PY
  done
  kill "$server"; wait "$server" 2>/dev/null || true
  server=""
done
psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
