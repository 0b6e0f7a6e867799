#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the storage tests (idempotent, no stdin).
#
#   data     <repo>/.dev/postgres/data   (git-ignored; delete .dev/postgres to start from scratch)
#   listens  127.0.0.1:${SIGNING_PG_PORT:-55432} only, plus a unix socket inside .dev/postgres/run
#   writes   <repo>/.dev/postgres.conn   (mode 600): the Npgsql connection string of a test role
#            that may create databases; each test creates and drops its own database.
#
# Installs Debian's `postgresql` with apt when no server binaries are found (as root directly,
# otherwise through sudo). PostgreSQL refuses to run as root, so as root the cluster belongs to
# the `postgres` OS user and every server command runs through `runuser -u postgres --`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEV=$ROOT/.dev
BASE=$DEV/postgres
PGDATA_DIR=$BASE/data
SOCKET_DIR=$BASE/run
LOG=$BASE/server.log
CONN=$DEV/postgres.conn
PORT=${SIGNING_PG_PORT:-55432}
ROLE=signing_test

say() { echo "postgres.sh: $*"; }
die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$d" ] && [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && echo "$d"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# A cluster keeps the port it was made with; a new one takes the first free port from $PORT up,
# so two checkouts on one machine (e.g. a CI clone next to a work tree) do not collide.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -f "$PGDATA_DIR/postgresql.conf" ]; then
    PORT=$(sed -n 's/^port = \([0-9]*\).*/\1/p' "$PGDATA_DIR/postgresql.conf" | tail -n 1)
else
    while port_busy "$PORT"; do PORT=$((PORT + 1)); done
fi

BINDIR=$(find_bindir || true)
if [ -z "$BINDIR" ]; then
    say "installing postgresql with apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    BINDIR=$(find_bindir || true)
    [ -n "$BINDIR" ] || die "postgresql installed but no server binaries under /usr/lib/postgresql/*/bin"
fi

# Who owns and runs the cluster, and how to run a command as that user.
if [ "$(id -u)" -eq 0 ]; then
    OS_USER=postgres
    id "$OS_USER" >/dev/null 2>&1 || die "OS user 'postgres' missing (it comes with the postgresql package)"
    as_pg() { runuser -u "$OS_USER" -- "$@"; }
else
    OS_USER=$(id -un)
    as_pg() { "$@"; }
fi

psql_admin() {
    # Peer authentication over the private socket: the OS user is the cluster's superuser.
    as_pg "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$PORT" -U "$OS_USER" -d postgres "$@"
}

server_running() {
    [ -f "$PGDATA_DIR/PG_VERSION" ] && as_pg "$BINDIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

conn_works() {
    [ -s "$CONN" ] || return 1
    local pw
    pw=$(sed -n 's/.*Password=\([^;]*\).*/\1/p' "$CONN")
    [ -n "$pw" ] || return 1
    PGPASSWORD=$pw "$BINDIR/psql" -X -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$ROLE" -c 'select 1' >/dev/null 2>&1
}

if server_running && conn_works; then
    psql_admin -c "GRANT pg_signal_backend TO $ROLE" 2>/dev/null || true
    say "already running on 127.0.0.1:$PORT ($CONN)"
    exit 0
fi

mkdir -p "$BASE" "$SOCKET_DIR"
chmod 700 "$BASE"
if [ "$(id -u)" -eq 0 ]; then
    chown -R "$OS_USER:" "$BASE"
    # The server runs as 'postgres': it must be able to reach its data directory.
    as_pg test -x "$BASE" || die "user postgres cannot reach $BASE (a parent directory is not searchable)"
fi

if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    say "initialising a cluster in $PGDATA_DIR"
    as_pg "$BINDIR/initdb" -D "$PGDATA_DIR" -U "$OS_USER" -E UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    # Loopback TCP and a private socket only; stock fsync settings (the tests check durability).
    as_pg sh -c "cat >> '$PGDATA_DIR/postgresql.conf'" <<EOF

# --- tests/postgres.sh ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKET_DIR'
max_connections = 200
EOF
fi

if ! server_running; then
    say "starting on 127.0.0.1:$PORT"
    as_pg "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$LOG" -w -t 60 start >/dev/null \
        || die "server did not start; see $LOG"
fi

# A fresh random password each time the connection file is (re)written.
PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
psql_admin <<SQL
SELECT format('CREATE ROLE %I LOGIN', '$ROLE') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE')
\gexec
ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
-- DROP DATABASE ... WITH (FORCE) must be able to end an autovacuum worker on a test's database.
GRANT pg_signal_backend TO $ROLE;
SELECT format('CREATE DATABASE %I OWNER %I', '$ROLE', '$ROLE') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$ROLE')
\gexec
SQL

mkdir -p "$DEV"
tmp=$(mktemp "$DEV/.postgres.conn.XXXXXX")
chmod 600 "$tmp"
printf 'Host=127.0.0.1;Port=%s;Database=%s;Username=%s;Password=%s\n' "$PORT" "$ROLE" "$ROLE" "$PASSWORD" > "$tmp"
mv -f "$tmp" "$CONN"
conn_works || die "cannot log in as $ROLE with the new password; see $LOG"
say "ready on 127.0.0.1:$PORT; connection string in $CONN"
