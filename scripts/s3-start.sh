#!/usr/bin/env bash
# Start (or stop) a throwaway S3-compatible server for the test suite: s3s-fs (crates.io),
# serving a folder, with one bucket for govit's materials.
#
#   scripts/s3-start.sh        install s3s-fs into target/tools when missing, wipe
#                              ${GOVIT_S3_DIR:-/tmp/govit-s3}, start it on 127.0.0.1 on a free
#                              port and print exactly one line on stdout: the file-store URL
#                              govit takes (s3://govit-test?endpoint=…&allow_http=true&…)
#   scripts/s3-start.sh stop   stop that server
#
# Everything except the URL goes to stderr or to the log file in the folder.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

S3_DIR="${GOVIT_S3_DIR:-/tmp/govit-s3}"
PID_FILE="$S3_DIR/s3s-fs.pid"
LOG_FILE="$S3_DIR/s3s-fs.log"
BUCKET=govit-test
KEY=govit-test-key
SECRET=govit-test-secret
TOOLS="$PWD/target/tools"
# The newest s3s-fs that builds with this toolchain (0.17 needs rustc 1.96).
VERSION=0.14.1

die() {
    echo "s3-start.sh: $*" >&2
    exit 1
}

if [[ "${1:-}" == stop ]]; then
    if [[ -f "$PID_FILE" ]]; then
        kill "$(cat "$PID_FILE")" 2>/dev/null || true
        rm -f "$PID_FILE"
    fi
    exit 0
fi

if [[ ! -x "$TOOLS/bin/s3s-fs" ]]; then
    echo "s3-start.sh: installing s3s-fs $VERSION into $TOOLS" >&2
    cargo install s3s-fs --version "$VERSION" --features binary --locked --root "$TOOLS" >&2
fi

if [[ -f "$PID_FILE" ]]; then
    kill "$(cat "$PID_FILE")" 2>/dev/null || true
fi
rm -rf "$S3_DIR"
mkdir -p "$S3_DIR/data/$BUCKET"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$TOOLS/bin/s3s-fs" --host 127.0.0.1 --port "$port" --access-key "$KEY" --secret-key "$SECRET" \
    "$S3_DIR/data" >"$LOG_FILE" 2>&1 &
echo $! >"$PID_FILE"

for _ in $(seq 1 100); do
    if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "s3://$BUCKET?endpoint=http://127.0.0.1:$port&allow_http=true&region=us-east-1&access_key_id=$KEY&secret_access_key=$SECRET"
        exit 0
    fi
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || die "s3s-fs exited: $(tail -n 5 "$LOG_FILE")"
    sleep 0.1
done
die "s3s-fs did not listen on 127.0.0.1:$port"
