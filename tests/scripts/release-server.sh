# Shared by the checks that run against our release server (tests/audit/run.sh, tests/browser/run.sh,
# examples/typescript/run.sh); sourced, not run. They set `root` (the repository) before sourcing.
#
#   npm_ci_if_changed      npm ci in the current directory when its package-lock.json changed
#   build_release          builds the release binary (CARGO_TARGET_DIR honoured) and sets `binary`
#   start_server [flags]   serves the sample glossary from a fresh SQLite file on a free port of 127.0.0.1,
#                          waits until it is ready, and sets `port`, `db` (its database URL) and `server`
#   editor_key             creates an editor API key in `db` and prints it as an Authorization value
#   stop_server            stops it (also done on exit)

npm_ci_if_changed() {
  if ! cmp -s package-lock.json node_modules/.installed-lock.json 2>/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.installed-lock.json
  fi
}

build_release() {
  (cd "$root" && cargo build --release --quiet --bin glossary)
  binary="${CARGO_TARGET_DIR:-$root/target}/release/glossary"
}

server_workdir="$(mktemp -d)"
server=""
stop_server() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  server=""
}
trap 'stop_server; rm -rf "$server_workdir"' EXIT

start_server() {
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  db="sqlite://$server_workdir/db-$port.db?mode=rwc"
  RUST_LOG=warn "$binary" --database-url "$db" serve --bind "127.0.0.1:$port" "$@" \
    >"$server_workdir/server-$port.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server did not get ready:" >&2
  cat "$server_workdir/server-$port.log" >&2
  exit 1
}

editor_key() {
  echo "Bearer $("$binary" --database-url "$db" api-key create --name "check-$port" --role editor 2>/dev/null)"
}
