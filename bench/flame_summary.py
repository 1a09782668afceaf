#!/usr/bin/env python3
"""Summarises a folded stack file (inferno-collapse-perf's output): the share of samples in each part of the
server (buckets matched on any frame of a stack, so a stack counts once per bucket), and the functions with
the most samples of their own. usage: flame_summary.py FILE.folded [TOP]"""
import collections
import re
import sys

# Buckets, by a pattern matched against the frames of a stack; a stack can fall in several.
BUCKETS = [
    ("HTTP: hyper, our connection layer", r"hyper::|glossary::http::connections"),
    ("request handler (graphql_over_http)", r"glossary::http::graphql_over_http"),
    ("admission (tokens, parse, coercion, cost)", r"glossary::graphql::admission"),
    ("GraphQL parsing (pest)", r"pest::|async_graphql_parser::parse"),
    ("async-graphql validation", r"async_graphql::validation"),
    ("async-graphql execution (resolve)", r"async_graphql::resolver_utils|async_graphql::schema::Schema.*execute"),
    ("execution budget extension", r"glossary::graphql::execution_budget"),
    ("response shaping", r"glossary::graphql::response_shape"),
    ("DataLoader", r"async_graphql::dataloader|glossary::graphql::loaders"),
    ("content layer (our SQL)", r"glossary::content::"),
    ("sea-orm", r"sea_orm::"),
    ("sqlx", r"sqlx_core::|sqlx_sqlite::|sqlx_postgres::"),
    ("SQLite engine", r"sqlite3"),
    ("JSON (serde_json)", r"serde_json::"),
    ("tracing", r"tracing::|tracing_core::|tracing_subscriber::"),
    ("malloc/free (glibc or mimalloc)", r"malloc|_int_free|cfree|__libc_free|realloc|_int_malloc|mi_free|_mi_"),
    ("memcpy/memmove", r"memmove|memcpy"),
    ("tokio scheduler and wakeups", r"tokio::runtime::scheduler|tokio::runtime::task::(waker|raw)|park"),
    ("kernel (syscalls, network, scheduling)", r"\[k\]|entry_SYSCALL|do_syscall|asm_sysvec|irqentry"),
]


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    total = 0
    buckets = collections.Counter()
    own = collections.Counter()
    patterns = [(name, re.compile(pattern)) for name, pattern in BUCKETS]
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            count = int(count)
            total += count
            for name, pattern in patterns:
                if pattern.search(stack):
                    buckets[name] += count
            leaf = stack.rsplit(";", 1)[-1]
            own[re.sub(r"<.*", "", leaf)[:110]] += count
    print(f"{path}: {total} samples")
    print("== share of samples by part (a stack counts in every part it passes through)")
    for name, _ in BUCKETS:
        print(f"{100 * buckets[name] / total:6.1f}%  {name}")
    print(f"== top {top} functions by own samples")
    for name, count in own.most_common(top):
        print(f"{100 * count / total:6.1f}%  {name}")


if __name__ == "__main__":
    main()
