#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL server for the test suite.
#
#   scripts/pg-start.sh        wipe ${GOVIT_PG_DIR:-/tmp/govit-pg}, initdb, start the
#                              server on 127.0.0.1 on a free port and print exactly one
#                              line on stdout: postgres://govit@127.0.0.1:PORT/postgres
#   scripts/pg-start.sh stop   stop that server (pg_ctl stop -m fast)
#
# Uses Debian's binaries from the newest /usr/lib/postgresql/*/bin (override with
# GOVIT_PG_BIN). PostgreSQL refuses to run as root, so when running as root every
# server command goes through `runuser -u postgres --`.
# Everything except the URL goes to stderr or to log files in the temp dir.
set -euo pipefail

PG_DIR="${GOVIT_PG_DIR:-/tmp/govit-pg}"
DATA_DIR="$PG_DIR/data"
SOCK_DIR="$PG_DIR/sock"
LOG_FILE="$PG_DIR/postgres.log"
INITDB_LOG="$PG_DIR/initdb.log"
PG_USER=govit
FIRST_PORT="${GOVIT_PG_FIRST_PORT:-55432}"
MAX_TRIES=50

die() {
    echo "pg-start.sh: $*" >&2
    exit 1
}

find_bin_dir() {
    if [[ -n "${GOVIT_PG_BIN:-}" ]]; then
        [[ -x "$GOVIT_PG_BIN/postgres" ]] || die "no postgres binary in GOVIT_PG_BIN=$GOVIT_PG_BIN"
        echo "$GOVIT_PG_BIN"
        return
    fi
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
    [[ -n "$dir" && -x "$dir/postgres" ]] || die "PostgreSQL not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    echo "$dir"
}

# Run a command as the unprivileged server user (directly when not root).
as_pg() {
    if [[ "$(id -u)" -eq 0 ]]; then
        (cd "$PG_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$PG_DIR" && "$@")
    fi
}

# Stop a server left running in $DATA_DIR, if any.
stop_server() {
    local mode="$1"
    if [[ -f "$DATA_DIR/postmaster.pid" ]]; then
        as_pg "$BIN/pg_ctl" stop -D "$DATA_DIR" -m "$mode" -w -t 60 >&2 || true
    fi
}

# Is something already listening on / bound to 127.0.0.1:$1?
port_busy() {
    local port="$1"
    if command -v python3 >/dev/null 2>&1; then
        # Busy unless we can bind it ourselves.
        if python3 - "$port" 2>/dev/null <<'EOF'; then return 1; else return 0; fi
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # like the postmaster
s.bind(("127.0.0.1", int(sys.argv[1])))
s.close()
EOF
    else
        # Busy if something accepts a connection.
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

BIN="$(find_bin_dir)"

if [[ "${1:-start}" == "stop" ]]; then
    stop_server fast
    exit 0
fi
[[ "${1:-start}" == "start" ]] || die "usage: $0 [start|stop]"

if [[ "$(id -u)" -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user (installed by Debian's postgresql package)"
fi

# Wipe any previous instance (stopping it first if it is still running).
case "$PG_DIR" in "" | / | /tmp | /tmp/ | "$HOME" | "$HOME/") die "refusing to wipe GOVIT_PG_DIR=$PG_DIR" ;; esac
stop_server immediate
rm -rf "$PG_DIR"
mkdir -p "$PG_DIR" "$SOCK_DIR"
chmod 700 "$PG_DIR"
if [[ "$(id -u)" -eq 0 ]]; then
    chown postgres: "$PG_DIR" "$SOCK_DIR"
    runuser -u postgres -- test -w "$PG_DIR" ||
        die "user postgres cannot write to $PG_DIR (is a parent directory private?); set GOVIT_PG_DIR elsewhere"
fi

if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
    locale_args=(--locale=C.UTF-8)
else
    locale_args=(--no-locale)
fi

if ! as_pg "$BIN/initdb" -D "$DATA_DIR" --auth=trust --username="$PG_USER" -E UTF8 "${locale_args[@]}" \
    >"$INITDB_LOG" 2>&1; then
    cat "$INITDB_LOG" >&2
    die "initdb failed (log: $INITDB_LOG)"
fi

# Try ports from $FIRST_PORT upward; retry with the next one if the server
# could not bind (another process may grab a port between check and start).
port="$FIRST_PORT"
started=""
for ((i = 0; i < MAX_TRIES; i++, port++)); do
    if port_busy "$port"; then
        continue
    fi
    rm -f "$LOG_FILE"
    if as_pg "$BIN/pg_ctl" start -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 \
        -o "-p $port -k '$SOCK_DIR' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=${GOVIT_PG_MAX_CONNECTIONS:-200}" \
        >&2; then
        started=1
        break
    fi
    if ! grep -qiE 'could not (bind|create listen)|address already in use' "$LOG_FILE" 2>/dev/null; then
        tail -n 30 "$LOG_FILE" >&2 || true
        die "PostgreSQL failed to start (log: $LOG_FILE)"
    fi
    stop_server immediate
done
[[ -n "$started" ]] || die "no free port found in $FIRST_PORT..$((FIRST_PORT + MAX_TRIES - 1))"

for ((i = 0; i < 60; i++)); do
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$PG_USER" -d postgres; then
        echo "postgres://$PG_USER@127.0.0.1:$port/postgres"
        exit 0
    fi
    sleep 0.5
done
tail -n 30 "$LOG_FILE" >&2 || true
die "PostgreSQL on 127.0.0.1:$port did not become ready (log: $LOG_FILE)"
