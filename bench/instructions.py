"""Instructions per request: our server under valgrind's callgrind, answering the benchmark's queries one
after another over one keep-alive connection (SQLite, response cache off, or on with `--cache`).
Instruction counts repeat to a fraction of a percent from run to run whatever else the machine does, so
two builds are compared here where req/s on these shared cores would move by more than the change
(docs/performance.md, "Method").

The server's CPU in the kernel (network, scheduling) is not counted; the SQLite engine, which runs in the
process, is. Run through bench/instructions.sh, which builds the release binary and installs valgrind.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (the queries and the pack are the benchmark's)

PORT = 18791


def post(conn, query, variables):
    """Sends one request; returns the answer's body."""
    conn.request("POST", "/graphql", json.dumps({"query": query, "variables": variables}),
                 {"Content-Type": "application/json", "Accept": "application/json"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200 or b'"errors"' in body:
        raise SystemExit(f"unexpected answer: {response.status} {body[:300]!r}")
    return body


def start_under_callgrind(command, out, env=None):
    """`command` started under callgrind with instrumentation off, its dumps written to `out`.<pid>[.n]."""
    return subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}.%p", *command],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def control(server, *words):
    """Sends a `callgrind_control` command to `server`."""
    subprocess.run(["callgrind_control", *words, str(server.pid)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)


def annotated(dump):
    """`callgrind_annotate`'s text for a dump, and the dump's total of instructions."""
    text = subprocess.run(["callgrind_annotate", dump], capture_output=True, text=True, check=True).stdout
    total = re.search(r"^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text, re.M).group(1)
    return text, int(total.replace(",", ""))


def connect(path):
    """A keep-alive connection to the server starting under valgrind, once it answers `GET path`."""
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
            conn.request("GET", path)
            conn.getresponse().read()
            return conn
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server under valgrind did not start within 5 minutes")


def measure(binary, database, slugs, queries, requests, workdir, tag, answers=None, cache=False):
    """Instructions per request of `binary` for each query key, over a copy of `database`. When `answers`
    is a dict, the measured requests' answers are kept in it for the executor floor (`floor`). With
    `cache`, the response cache is on and every measured request was answered once in the warm-up, so
    each is served from it."""
    db = os.path.join(workdir, f"{tag}.db")
    for suffix in ["", "-wal", "-shm"]:
        if os.path.exists(database + suffix):
            shutil.copy(database + suffix, db + suffix)
    out = os.path.join(workdir, f"{tag}.callgrind")
    server = start_under_callgrind(
        [binary, "--database-url", f"sqlite://{db}", "serve", "--bind", f"127.0.0.1:{PORT}", "--no-migrate",
         "--no-sample-content", "--anonymous-requests-per-minute", "0",
         "--response-cache-bytes", str(64 << 20 if cache else 0)],
        out, env={**os.environ, "RUST_LOG": "warn"})
    try:
        conn = connect("/health/ready")

        def variables(key, i):
            return {"slug": slugs[i % len(slugs)]} if key == "q1" else {}

        # Warm-up: caches filled, statements prepared, documents parsed and validated once; every term
        # page measured has been read once, as under the load benchmark, where each of its slugs comes
        # round many times (without `cache`, the response cache is off; the memory of linked texts is not).
        for i in range(max(30, requests)):
            for key in queries:
                if i < 30 or key == "q1":
                    post(conn, compare.QUERIES[key][1], variables(key, i))
        for key in queries:
            control(server, "-z")
            control(server, "-i", "on")
            for i in range(requests):
                body = post(conn, compare.QUERIES[key][1], variables(key, i))
                if answers is not None and key in FLOOR_QUERIES:
                    data = json.loads(body)["data"]
                    if key == "q1":
                        answers.setdefault("q1", {})[variables(key, i)["slug"]] = data
                    else:
                        answers[key] = data
            control(server, "-i", "off")
            control(server, "-d", key)
        time.sleep(1)
    finally:
        server.terminate()
        server.wait()
    counts = {}
    for name in sorted(os.listdir(workdir)):
        if name.startswith(f"{tag}.callgrind.{server.pid}."):
            text, total = annotated(os.path.join(workdir, name))
            key = re.search(r"Trigger: dump (\w+)", text).group(1)
            counts[key] = total / requests
    return counts


def ceiling(binary, requests, workdir):
    """Instructions per request of the ceiling server (examples/ceiling.rs: axum answering a fixed body),
    asked `GET /graphql` over one keep-alive connection: what hyper and axum cost with nothing else.
    (GET: this client sends a POST's body in a second write, and the ceiling, which never reads bodies,
    then closes the connection; wrk sends each request in one write.)"""
    out = os.path.join(workdir, "ceiling.callgrind")
    server = start_under_callgrind([binary, f"127.0.0.1:{PORT}"], out)
    try:
        conn = connect("/graphql")

        def get():
            conn.request("GET", "/graphql")
            conn.getresponse().read()

        for _ in range(30):
            get()
        control(server, "-z")
        control(server, "-i", "on")
        for _ in range(requests):
            get()
        control(server, "-i", "off")
        control(server, "-d", "q3")
        time.sleep(1)
    finally:
        server.terminate()
        server.wait()
    return {"q3": annotated(f"{out}.{server.pid}.1")[1] / requests}


# The queries the executor floor (examples/executor_floor.rs) can answer.
FLOOR_QUERIES = ("q1", "q2")


def callgrind_total(command, out):
    """Instructions of one whole run of `command` under callgrind."""
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return annotated(out)[1]


def floor(binary, answers, queries, requests, workdir):
    """Instructions per request of async-graphql alone (examples/executor_floor.rs) answering the same
    requests from memory: a run of `requests` iterations less a run of none, over `requests`."""
    path = os.path.join(workdir, "answers.json")
    with open(path, "w") as f:
        json.dump({**answers, "queries": {key: compare.QUERIES[key][1] for key in FLOOR_QUERIES}}, f)
    counts = {}
    for key in queries:
        if key in answers:
            runs = [callgrind_total([binary, path, key, str(n)], os.path.join(workdir, f"floor.callgrind.{key}.{n}"))
                    for n in (0, requests)]
            counts[key] = (runs[1] - runs[0]) / requests
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", action="append", required=True,
                    help="a release binary of our server; give several to compare builds")
    ap.add_argument("--queries", default="q1,q2,q3")
    ap.add_argument("--requests", type=int, default=100, help="requests measured per query")
    ap.add_argument("--terms", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=1, help="measure every binary this many times, in turn")
    ap.add_argument("--floor", metavar="BINARY",
                    help="also count async-graphql alone answering Q1 and Q2 from memory (the release "
                         "build of examples/executor_floor.rs), with the first binary's answers")
    ap.add_argument("--ceiling", metavar="BINARY",
                    help="also count the ceiling server (the release build of examples/ceiling.rs) answering "
                         "a GET, in the Q3 column: the HTTP stack alone")
    ap.add_argument("--cache", action="store_true",
                    help="response cache on (64 MiB), every measured request answered once before: what a "
                         "request served from the cache costs")
    ap.add_argument("--keep", metavar="DIR",
                    help="copy the callgrind dumps here (b<binary index>.callgrind.<pid>.<n>, one per query; "
                         "floor.callgrind.<query>.<iterations>, with the answers.json they read) for "
                         "callgrind_annotate")
    args = ap.parse_args()
    queries = args.queries.split(",")
    workdir = tempfile.mkdtemp(prefix="glossary-instructions-")
    try:
        args.needs = lambda server: server == "ours-sqlite"
        compare.log(f"generating {args.terms} terms and loading them into SQLite")
        slugs, sqlite_url, _ = compare.prepare_data(args, workdir, args.binary[0])
        # Each build reads a database it loaded itself, with its own migrations: a build may read an
        # index or a column that another's schema lacks.
        databases = [sqlite_url.removeprefix("sqlite://").split("?")[0]]
        for index, binary in enumerate(args.binary[1:], start=1):
            compare.log(f"loading the pack into SQLite with {binary}")
            database = os.path.join(workdir, f"loaded-b{index}.db")
            compare.import_pack(binary, f"sqlite://{database}?mode=rwc", os.path.join(workdir, "pack.jsonl"))
            databases.append(database)
        rows = []
        answers = {}
        for round_ in range(args.rounds):
            for index, binary in enumerate(args.binary):
                compare.log(f"round {round_ + 1}: {binary}")
                capture = answers if (args.floor and round_ == 0 and index == 0) else None
                counts = measure(binary, databases[index], slugs, queries, args.requests, workdir,
                                 f"b{index}", capture, args.cache)
                rows.append((binary, counts))
        if args.floor:
            compare.log(f"executor floor: {args.floor}")
            floor_counts = floor(args.floor, answers, queries, args.requests, workdir)
            rows.append((f"{args.floor} (async-graphql alone)", floor_counts))
        if args.ceiling and "q3" in queries:
            compare.log(f"ceiling: {args.ceiling}")
            rows.append((f"{args.ceiling} (GET, fixed body)", ceiling(args.ceiling, args.requests, workdir)))
        cache = "on" if args.cache else "off"
        print(f"\ninstructions per request (callgrind; SQLite, cache {cache}, {args.requests} sequential requests "
              f"after 30 of warm-up, each Q1 page read once before; {args.terms} terms)")
        print(f"{'binary':<40} " + " ".join(f"{key:>12}" for key in queries))
        for binary, counts in rows:
            print(f"{binary:<40} " + " ".join(
                f"{counts[key]:>12,.0f}" if key in counts else f"{'-':>12}" for key in queries))
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            for name in os.listdir(workdir):
                if ".callgrind." in name or name == "answers.json":
                    shutil.copy(os.path.join(workdir, name), args.keep)
            print(f"callgrind dumps in {args.keep}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
