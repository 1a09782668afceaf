#!/usr/bin/env bash
# Serves the local PostgreSQL (127.0.0.1:5432, as on every machine of ours and on CI) over TLS with a
# certificate of our own: a test CA, and a server certificate it signed for `localhost` and 127.0.0.1,
# so that clients can check it (sslmode=verify-full). Idempotent: does nothing when the server already
# uses these files. Needs root (it writes beside the cluster's data and reloads its configuration).
#
# The CA ends up in $dir/ca.crt; tests/api/postgres_tls.rs finds it from `SHOW ssl_cert_file`.
set -euo pipefail
psql_admin() { psql -X -q -h 127.0.0.1 -U postgres -d postgres -Atc "$1"; }

dir=/var/lib/postgresql/glossary-test-tls
if [ "$(psql_admin 'SHOW ssl_cert_file')" = "$dir/server.crt" ] && [ "$(psql_admin 'SHOW ssl')" = on ] \
  && [ -s "$dir/ca.crt" ] && [ -s "$dir/server.crt" ] && [ -s "$dir/server.key" ]; then
  exit 0
fi

mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=glossary test CA" \
  -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
  -extfile server.ext -out server.crt 2>/dev/null
rm -f server.csr server.ext ca.key ca.srl
chown -R postgres:postgres "$dir"
chmod 600 server.key
chmod 644 ca.crt server.crt

psql_admin "ALTER SYSTEM SET ssl = on"
psql_admin "ALTER SYSTEM SET ssl_cert_file = '$dir/server.crt'"
psql_admin "ALTER SYSTEM SET ssl_key_file = '$dir/server.key'"
psql_admin "SELECT pg_reload_conf()" >/dev/null
for _ in $(seq 1 50); do
  [ "$(psql_admin 'SHOW ssl_cert_file')" = "$dir/server.crt" ] && break
  sleep 0.1
done
echo "PostgreSQL at 127.0.0.1:5432 serves TLS with $dir/server.crt (CA: $dir/ca.crt)"
