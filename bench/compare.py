#!/usr/bin/env python3
"""Side-by-side read benchmark: our server (SQLite and PostgreSQL, response cache off and on) beside
PostGraphile v4 and a ceiling server, in one run on this machine. Run it through bench/compare.sh, which
installs wrk, PostGraphile and psycopg2 and builds the release binaries first.

Each query runs for --warmup seconds (discarded), then --duration seconds under wrk (one thread, N
connections). Figures: requests/s, p50, p99, errors (socket errors and non-2xx answers), the server's peak
RSS during the run (PostGraphile: master and workers together), its CPU time per request (steadier than
requests/s when other tenants take cores away), and SQL statements per request. Every
throughput is also given as a ratio to PostGraphile and as a share of the ceiling from the same run, since
absolute figures on shared machines move from run to run. Prints a table and writes the same as JSON.

SQL statements per request, two ways: one request at a time (ours from `glossary_sql_statements_total` on
/metrics; PostGraphile's from the PostgreSQL log in a short calibration pass with `log_statement = all` on
its database only, so BEGIN and COMMIT would count too), and during the run (ours only: our DataLoader
batches concurrent requests together, so under load a request costs less than alone).
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
OUR_PG_DB = "glossary_bench"
PEER_DB = "peer_glossary"
PORTS = {"ours": 18781, "peer": 18782, "ceiling": 18783}

# The queries: ours, and PostGraphile's that do the same work in its schema's names.
Q1 = ("query($slug: String!) { term(slug: $slug) { name title definition sections { heading "
      "body(format: HTML) } faqs { question answer(format: HTML) } relatedTerms { slug name } "
      "categories { slug name } } }")
Q1_PEER = ("query($slug: String!) { termBySlug(slug: $slug) { name title definition "
           "sectionsList(orderBy: POSITION_ASC) { heading body } faqsList(orderBy: POSITION_ASC) "
           "{ question answer } relatedLinksList(orderBy: POSITION_ASC) { related { slug name } } "
           "termCategoriesList { category { slug name } } } }")
Q2 = ("{ terms(first: 50, orderBy: {field: NAME, direction: ASC}) { edges { node { slug name definition "
      "relatedTerms { slug name } faqs { question } } } } }")
Q2_PEER = ('{ termsList(first: 50, orderBy: NAME_ASC, condition: {status: "published"}) { slug name '
           "definition relatedLinksList(orderBy: POSITION_ASC) { related { slug name } } "
           "faqsList(orderBy: POSITION_ASC) { question } } }")
Q3 = "{ __typename }"
Q4 = ("{ terms(first: 50) { totalCount nodes { slug name title definition sections { heading anchor "
      "body(format: HTML) } faqs { question answer } relatedTerms { slug name } categories { slug name } "
      "tableOfContents { title anchor } } } }")
Q4_PEER = ('{ terms(first: 50, orderBy: NAME_ASC, condition: {status: "published"}) { totalCount nodes '
           "{ slug name title definition sectionsList(orderBy: POSITION_ASC) { heading body } "
           "faqsList(orderBy: POSITION_ASC) { question answer } relatedLinksList(orderBy: POSITION_ASC) "
           "{ related { slug name } } termCategoriesList { category { slug name } } } } }")

QUERIES = {
    "q1": ("Q1 term page", Q1, Q1_PEER),
    "q2": ("Q2 list page", Q2, Q2_PEER),
    "q3": ("Q3 __typename", Q3, Q3),
    "q4": ("Q4 50-term heavy page", Q4, Q4_PEER),
}

WRK_SCRIPT = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local n = 0
request = function()
  n = n %% #bodies + 1
  return wrk.format(nil, nil, nil, bodies[n])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nRESULT {"requests":%%d,"duration_us":%%d,"bytes":%%d,"errors":{"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d},"p50_us":%%d,"p99_us":%%d,"max_us":%%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


def psql(sql, db="postgres"):
    run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-c", sql],
        stdout=subprocess.DEVNULL)


def post(url, query, variables=None, timeout=30):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, data=body, headers={
        "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read())


def wait_ready(url, process, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server at {url} exited with {process.returncode}")
        try:
            status, _ = post(url, Q3, timeout=2)
            if status == 200:
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not answer within {seconds} s")


def process_tree(pid):
    """A process and all its descendants (PostGraphile's cluster workers), with each one's /proc stat
    fields after the command name."""
    children, stats = {}, {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            child = int(stat.split("/")[2])
            children.setdefault(int(fields[1]), []).append(child)
            stats[child] = fields
        except (OSError, IndexError, ValueError):
            continue
    found, todo = {}, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        if p in stats:
            found[p] = stats[p]
    return found


def tree_rss_bytes(pid):
    """RSS of a process and all its descendants."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def tree_cpu_seconds(pid):
    """CPU time (user + system) used so far by a process and all its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    # After the command name, state is field [0], so utime and stime (14 and 15 of stat) are [11] and [12].
    return sum(int(fields[11]) + int(fields[12]) for fields in process_tree(pid).values()) / tick


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self.stop.wait(0.2)


def our_statements(base):
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("glossary_sql_statements_total "):
                return int(line.split()[1])
    return None


def pg_log_path():
    paths = sorted(glob.glob("/var/log/postgresql/postgresql-*-main.log"))
    return paths[-1] if paths else None


class Server:
    """A server under test: how to start it, where it answers, and its query texts."""

    def __init__(self, name, kind, command, url, env=None, cwd=None, db=None, peer=False, cache=False):
        self.name, self.kind, self.command, self.url = name, kind, command, url
        self.env, self.cwd, self.db, self.peer, self.cache = env, cwd, db, peer, cache
        self.process = None

    def query(self, key):
        _, ours, peers = QUERIES[key]
        return peers if self.peer else ours

    def start(self, workdir):
        out = open(os.path.join(workdir, f"{self.name}.log"), "ab")
        self.process = subprocess.Popen(self.command, env={**os.environ, **(self.env or {})}, cwd=self.cwd,
                                        stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_ready(self.url, self.process)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None


def bodies_file(workdir, server, key, slugs):
    query = server.query(key)
    path = os.path.join(workdir, f"bodies-{'peer' if server.peer else 'ours'}-{key}.jsonl")
    with open(path, "w") as f:
        if "$slug" in query:
            for slug in slugs:
                f.write(json.dumps({"query": query, "variables": {"slug": slug}}) + "\n")
        else:
            f.write(json.dumps({"query": query}) + "\n")
    return path


def check(server, key, slugs):
    """One request of each query must answer 200 with data and no errors: the figures are of real work."""
    variables = {"slug": slugs[0]} if "$slug" in server.query(key) else None
    status, answer = post(server.url, server.query(key), variables)
    data = answer.get("data") or {}
    if status != 200 or answer.get("errors") or not data or any(v is None for v in data.values()):
        raise SystemExit(f"{server.name} {key}: status {status}, answer {json.dumps(answer)[:400]}")
    return len(json.dumps(answer))


def wrk(url, script, connections, seconds):
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script,
                          url], check=True, capture_output=True, text=True).stdout
    match = re.search(r"^RESULT (\{.*\})$", out, re.M)
    if not match:
        raise SystemExit(f"wrk printed no result:\n{out}")
    return json.loads(match.group(1))


def measure(server, key, connections, args, workdir, slugs, base):
    script = os.path.join(workdir, f"wrk-{server.name}-{key}.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT % {"bodies": bodies_file(workdir, server, key, slugs)})
    wrk(server.url, script, connections, args.warmup)
    before = our_statements(base) if base else None
    sampler = RssSampler(server.process.pid)
    sampler.start()
    cpu_before = tree_cpu_seconds(server.process.pid)
    result = wrk(server.url, script, connections, args.duration)
    cpu_used = tree_cpu_seconds(server.process.pid) - cpu_before
    sampler.stop.set()
    sampler.join()
    after = our_statements(base) if base else None
    seconds = result["duration_us"] / 1e6
    errors = sum(result["errors"].values())
    row = {
        "server": server.name, "query": key, "connections": connections,
        "requests_per_second": result["requests"] / seconds,
        "p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000, "max_ms": result["max_us"] / 1000,
        "requests": result["requests"], "errors": errors, "error_kinds": result["errors"],
        "rss_mib": sampler.peak / 2**20,
        # The server's own CPU time per request (its database's too on SQLite; not PostgreSQL's): steadier
        # than requests/s on a shared machine, where other tenants take cores away.
        "cpu_ms_per_request": 1000 * cpu_used / max(result["requests"], 1),
        "response_bytes": result["bytes"] / max(result["requests"], 1),
    }
    if before is not None and after is not None and result["requests"]:
        row["sql_per_request"] = (after - before) / result["requests"]
    log(f"  {server.name:<22} {key} c={connections:<4} {row['requests_per_second']:9.0f} req/s  "
        f"p50 {row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms  errors {errors}  "
        f"RSS {row['rss_mib']:.0f} MiB  CPU {row['cpu_ms_per_request']:.3f} ms/req"
        + (f"  SQL/req {row['sql_per_request']:.2f}" if "sql_per_request" in row else ""))
    return row


def statements_alone(server, keys, slugs, base, rounds=20):
    """Our statements per request with one request at a time (no batching across requests), from /metrics."""
    counts = {}
    for key in keys:
        query = server.query(key)
        before = our_statements(base)
        for i in range(rounds):
            post(server.url, query, {"slug": slugs[i % len(slugs)]} if "$slug" in query else None)
        counts[key] = (our_statements(base) - before) / rounds
    return counts


def calibrate_pg_statements(server, keys, slugs, db, rounds=50):
    """Statements per request of a PostgreSQL-backed server, counted in the PostgreSQL log with
    log_statement = all on its database only, over `rounds` sequential requests per query."""
    path = pg_log_path()
    if not path:
        return {}
    counts = {}
    psql(f"ALTER DATABASE {db} SET log_statement = 'all'")
    try:
        server.stop()
        server.start(WORKDIR)
        for key in keys:
            query = server.query(key)
            post(server.url, query, {"slug": slugs[0]} if "$slug" in query else None)  # pool warm
            time.sleep(0.3)
            start = os.path.getsize(path)
            for i in range(rounds):
                post(server.url, query, {"slug": slugs[i % len(slugs)]} if "$slug" in query else None)
            time.sleep(0.5)
            with open(path, "rb") as f:
                f.seek(start)
                text = f.read().decode(errors="replace")
            lines = re.findall(rf"@{db} LOG:  (?:statement|execute [^:]*):", text)
            counts[key] = len(lines) / rounds
    finally:
        psql(f"ALTER DATABASE {db} RESET log_statement")
        server.stop()
    return counts


def import_pack(binary, database_url, pack):
    """Loads `pack` into the database at `database_url` with our `binary` (its migrations first)."""
    run([binary, "--database-url", database_url, "import", pack], env={**os.environ, "RUST_LOG": "warn"},
        stdout=subprocess.DEVNULL)


def prepare_data(args, workdir, binary):
    pack = os.path.join(workdir, "pack.jsonl")
    run([sys.executable, os.path.join(SHARED, "gen_content.py"), str(args.terms), pack])
    slugs = []
    with open(pack) as f:
        for line in f:
            term = json.loads(line)
            if term.get("status", "published") == "published" and len(slugs) < 1000:
                slugs.append(term["slug"])
    sqlite_url = f"sqlite://{workdir}/bench.db?mode=rwc"
    # Plain TCP, as PostGraphile's node-postgres connects by default: on loopback, TLS (which `prefer`
    # would negotiate) only costs both sides, and the two servers should pay the same.
    pg_url = f"postgres://postgres@127.0.0.1:5432/{OUR_PG_DB}?sslmode=disable"
    if args.needs("ours-sqlite"):
        log("loading the pack into SQLite")
        import_pack(binary, sqlite_url, pack)
    if args.needs("ours-postgres"):
        log("loading the pack into PostgreSQL (ours)")
        psql(f"DROP DATABASE IF EXISTS {OUR_PG_DB} WITH (FORCE)")
        psql(f"CREATE DATABASE {OUR_PG_DB}")
        import_pack(binary, pg_url, pack)
    if args.needs("postgraphile"):
        log("loading the pack into PostgreSQL (PostGraphile's schema)")
        psql(f"DROP DATABASE IF EXISTS {PEER_DB} WITH (FORCE)")
        psql(f"CREATE DATABASE {PEER_DB}")
        run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", PEER_DB, "-f",
             os.path.join(SHARED, "postgraphile", "pg_schema.sql")], stdout=subprocess.DEVNULL)
        run([sys.executable, os.path.join(SHARED, "postgraphile", "load_pg.py"),
             f"dbname={PEER_DB} user=postgres host=127.0.0.1", pack], stdout=subprocess.DEVNULL)
    return slugs, sqlite_url, pg_url


def servers(args, binary, sqlite_url, pg_url):
    ours_url = f"http://127.0.0.1:{PORTS['ours']}/graphql"
    flags = ["serve", "--bind", f"127.0.0.1:{PORTS['ours']}", "--no-migrate", "--no-sample-content",
             "--anonymous-requests-per-minute", "0"]
    env = {"RUST_LOG": "warn"}
    found = []

    def perf(name):
        if not args.perf_dir:
            return []
        os.makedirs(args.perf_dir, exist_ok=True)
        return ["perf", "record", "-q", "-e", "cpu-clock", "-F", "499", "--call-graph", "dwarf,16384", "-o",
                os.path.join(args.perf_dir, f"{name}-{'-'.join(args.query_keys)}.perf.data"), "--"]

    for cache in args.cache_modes:
        suffix = "" if cache == "off" else "+cache"
        cache_flags = ["--response-cache-bytes", "0"] if cache == "off" else []
        if args.needs("ours-sqlite"):
            found.append(Server(f"ours-sqlite{suffix}", "ours", [*perf(f"ours-sqlite{suffix}"), binary,
                                                                  "--database-url", sqlite_url, *flags,
                                                                  *cache_flags], ours_url, env=env,
                                cache=cache == "on"))
        if args.needs("ours-postgres"):
            found.append(Server(f"ours-postgres{suffix}", "ours", [*perf(f"ours-postgres{suffix}"), binary,
                                                                    "--database-url", pg_url, *flags,
                                                                    *cache_flags], ours_url, env=env, db=OUR_PG_DB,
                                cache=cache == "on"))
    if args.needs("postgraphile"):
        found.append(Server("postgraphile", "peer", [
            "node", os.path.join(args.postgraphile_dir, "node_modules", ".bin", "postgraphile"),
            "-c", f"postgres://postgres@127.0.0.1:5432/{PEER_DB}", "-s", "glossary", "-n", "127.0.0.1",
            "-p", str(PORTS["peer"]), "--append-plugins", "@graphile-contrib/pg-simplify-inflector",
            "--simple-collections", "both", "--disable-query-log", "--cluster-workers", "2"],
            f"http://127.0.0.1:{PORTS['peer']}/graphql", cwd=args.postgraphile_dir, db=PEER_DB, peer=True))
    return found


def table(rows, ceiling):
    peer = {(r["query"], r["connections"]): r for r in rows if r["server"] == "postgraphile"}
    out = []
    header = (f"{'server':<20} {'query':<22} {'conns':>5} {'req/s':>8} {'×peer':>6} {'ceiling':>8} "
              f"{'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'RSS MiB':>8} {'CPU ms/req':>10} {'SQL 1 req':>9} "
              f"{'SQL load':>8}")
    out += [header, "-" * len(header)]
    for r in rows:
        p = peer.get((r["query"], r["connections"]))
        c = ceiling.get(r["connections"])
        r["ratio_to_postgraphile"] = r["requests_per_second"] / p["requests_per_second"] if p else None
        r["share_of_ceiling"] = r["requests_per_second"] / c["requests_per_second"] if c else None
        ratio = f"{r['ratio_to_postgraphile']:.2f}×" if r["ratio_to_postgraphile"] else "-"
        share = f"{100 * r['share_of_ceiling']:.1f}%" if r["share_of_ceiling"] else "-"
        alone = r.get("sql_per_request_alone")
        loaded = r.get("sql_per_request")
        alone_text = "-" if alone is None else f"{alone:.1f}" + ("" if r["server"] != "postgraphile" else "*")
        loaded_text = "-" if loaded is None else f"{loaded:.2f}"
        out.append(f"{r['server']:<20} {QUERIES[r['query']][0]:<22} {r['connections']:>5} "
                   f"{r['requests_per_second']:>8.0f} {ratio:>6} {share:>8} {r['p50_ms']:>8.2f} "
                   f"{r['p99_ms']:>8.2f} {r['errors']:>6} {r['rss_mib']:>8.0f} {r['cpu_ms_per_request']:>10.3f} "
                   f"{alone_text:>9} {loaded_text:>8}")
    for conns, c in sorted(ceiling.items()):
        out.append(f"{'ceiling':<20} {'fixed 3.6 kB body':<22} {conns:>5} {c['requests_per_second']:>8.0f} "
                   f"{'':>6} {'100.0%':>8} {c['p50_ms']:>8.2f} {c['p99_ms']:>8.2f} {c['errors']:>6} "
                   f"{c['rss_mib']:>8.0f} {c['cpu_ms_per_request']:>10.3f} {'-':>9} {'-':>8}")
    return "\n".join(out)


WORKDIR = None


def main():
    global WORKDIR
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True, help="our release binary")
    ap.add_argument("--ceiling", required=True, help="the ceiling server's release binary")
    ap.add_argument("--postgraphile-dir", required=True, help="where `npm ci` installed PostGraphile")
    ap.add_argument("--terms", type=int, default=10000)
    ap.add_argument("--duration", type=int, default=15, help="seconds measured per run")
    ap.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per run, not measured")
    ap.add_argument("--connections", default="32,256")
    ap.add_argument("--queries", default="q1,q2,q3,q4")
    ap.add_argument("--servers", default="ours-sqlite,ours-postgres,postgraphile")
    ap.add_argument("--cache", default="both", choices=["off", "on", "both"],
                    help="our response cache in the runs of our server")
    ap.add_argument("--json", default=os.path.join(ROOT, "bench", "out", "compare.json"))
    ap.add_argument("--perf-dir", help="record our servers under `perf record` (call graphs), one file per "
                    "server in this directory (bench/profile.sh uses it)")
    args = ap.parse_args()
    args.connection_counts = [int(c) for c in args.connections.split(",")]
    args.query_keys = args.queries.split(",")
    chosen = set(args.servers.split(","))
    args.needs = lambda name: name in chosen
    args.cache_modes = ["off", "on"] if args.cache == "both" else [args.cache]
    for tool in ["wrk", "psql"]:
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed (bench/compare.sh installs it)")

    WORKDIR = tempfile.mkdtemp(prefix="glossary-compare-")
    started = time.time()
    rows, ceiling = [], {}
    running = None
    try:
        slugs, sqlite_url, pg_url = prepare_data(args, WORKDIR, args.binary)
        for server in servers(args, args.binary, sqlite_url, pg_url):
            log(f"{server.name}:")
            running = server
            alone = {}
            if server.peer:
                alone = calibrate_pg_statements(server, args.query_keys, slugs, server.db)
            server.start(WORKDIR)
            sizes = {key: check(server, key, slugs) for key in args.query_keys}
            base = server.url.rsplit("/", 1)[0] if server.kind == "ours" else None
            if base:
                alone = statements_alone(server, args.query_keys, slugs, base)
            for key in args.query_keys:
                for connections in args.connection_counts:
                    row = measure(server, key, connections, args, WORKDIR, slugs, base)
                    row["cache"] = server.cache
                    row["checked_response_bytes"] = sizes[key]
                    if key in alone:
                        row["sql_per_request_alone"] = alone[key]
                    rows.append(row)
            server.stop()
            running = None
        if args.perf_dir:
            ceiling_server = None
        else:
            ceiling_server = Server("ceiling", "ceiling", [args.ceiling, f"127.0.0.1:{PORTS['ceiling']}"],
                                    f"http://127.0.0.1:{PORTS['ceiling']}/graphql")
        if ceiling_server:
            log("ceiling:")
            running = ceiling_server
            ceiling_server.start(WORKDIR)
            for connections in args.connection_counts:
                ceiling[connections] = measure(ceiling_server, "q3", connections, args, WORKDIR, slugs, None)
            ceiling_server.stop()
            running = None
    finally:
        if running:
            running.stop()
        shutil.rmtree(WORKDIR, ignore_errors=True)

    text = table(rows, ceiling)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"\nglossary compare: {args.terms} terms, wrk 1 thread, {args.warmup} s warm-up + {args.duration} s "
          f"per run, {os.cpu_count()} cores shared by servers, databases and wrk; commit {commit}")
    print(text)
    print("×peer: requests/s over PostGraphile's for the same query and connections; ceiling: share of the "
          "fixed-body server's requests/s at the same connections. SQL 1 req: statements per request sent one "
          "at a time (ours: /metrics; * = PostGraphile's, counted in the PostgreSQL log, BEGIN/COMMIT "
          "included); SQL load: per request during the run (our DataLoader batches across requests). CPU ms/req: "
          "the server's own CPU time (all its processes) per request during the run; PostgreSQL's backends are "
          "not in it, SQLite's work is.")
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit, "machine": {"cores": os.cpu_count(), "kernel": platform.release()},
        "terms": args.terms, "warmup_s": args.warmup, "duration_s": args.duration,
        "wrk": {"threads": 1, "connections": args.connection_counts},
        "queries": {k: {"label": v[0], "ours": v[1], "postgraphile": v[2]} for k, v in QUERIES.items()
                    if k in args.query_keys},
        "results": rows, "ceiling": list(ceiling.values()),
        "elapsed_s": round(time.time() - started),
    }
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2)
    print(f"JSON: {args.json} ({report['elapsed_s']} s in all)")


if __name__ == "__main__":
    main()
