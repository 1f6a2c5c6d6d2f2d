#!/usr/bin/env bash
# The one command that runs the whole test suite:
#   1. installs PostgreSQL / Chromium + chromedriver with apt-get when missing;
#   2. cargo fmt --check; clippy -D warnings, run as the compiler of the workspace's crates in
#      the one build the tests use (every target, so benches and examples are linted too);
#   3. cargo test --workspace on the default SQLite backend;
#   4. the integration suite (tests/it) again on a throwaway PostgreSQL server, reusing
#      the test binary of step 3 (--workspace keeps the same features, so nothing rebuilds),
#      started by scripts/pg-start.sh and stopped on exit.
# Browser tests are mandatory here (GOVIT_REQUIRE_BROWSER=1), and so is the materials test
# against a real S3-compatible server (s3s-fs from crates.io, built into target/tools and
# started by scripts/s3-start.sh; GOVIT_REQUIRE_S3=1).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

header() {
    printf '\n==> %s\n' "$*"
}

# Run a command as root (directly, or through sudo when available).
as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "错误：需要 root 权限安装依赖（$*），但当前不是 root 且没有 sudo" >&2
        exit 1
    fi
}

# --- System dependencies (installed only when missing) ---------------------
packages=()
if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    packages+=(postgresql)
fi
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    packages+=(chromium chromium-driver)
fi
if ((${#packages[@]} > 0)); then
    header "安装缺少的系统依赖：${packages[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
fi

# Rust components used below (only when rustup manages the toolchain).
if command -v rustup >/dev/null 2>&1; then
    cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
    cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
fi

# --- Static checks ----------------------------------------------------------
header "代码格式检查（cargo fmt）"
cargo fmt --all --check

# clippy checks the workspace's crates while they are compiled for the tests: one build, not a
# check build and then a test build (clippy-driver is what `cargo clippy` runs; CLIPPY_ARGS is
# how it passes `-- -D warnings`). Without clippy-driver, clippy runs on its own.
clippy_driver="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)"
if [[ -n "$clippy_driver" ]]; then
    header "静态检查与构建（clippy 随测试构建检查）"
    export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
    export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
    cargo test --workspace --all-targets --no-run
else
    header "静态检查（cargo clippy）"
    cargo clippy --workspace --all-targets -- -D warnings
fi

# --- Tests ------------------------------------------------------------------
export GOVIT_CHROMEDRIVER=/usr/bin/chromedriver
export GOVIT_CHROMIUM=/usr/bin/chromium
export GOVIT_REQUIRE_BROWSER=1

export GOVIT_PG_DIR="${GOVIT_PG_DIR:-/tmp/govit-pg}"
trap './scripts/pg-start.sh stop >/dev/null 2>&1 || true; ./scripts/s3-start.sh stop >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

header "启动临时 S3 兼容对象存储（s3s-fs）"
GOVIT_TEST_S3_URL="$(./scripts/s3-start.sh)"
export GOVIT_TEST_S3_URL
export GOVIT_REQUIRE_S3=1

header "单元测试与集成测试（SQLite）"
env -u GOVIT_TEST_DATABASE_URL cargo test --workspace

header "启动临时 PostgreSQL"
pg_url="$(./scripts/pg-start.sh)"
echo "PostgreSQL: $pg_url"

header "集成测试（PostgreSQL）"
GOVIT_TEST_DATABASE_URL="$pg_url" cargo test --workspace --test it

header "全部测试通过"
