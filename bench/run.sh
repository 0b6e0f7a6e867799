#!/usr/bin/env bash
# Runs a benchmark suite: bash bench/run.sh pkcs11|render|pades|verify|ltv|agent|seal [--seconds N]
#   or: bash bench/run.sh service [--seconds N] [--clients 1,8,32] [--backend sqlite|postgres|both] [--warmup S]
#   or: bash bench/run.sh console [--seconds N] [--clients 32] [--warmup S]   (console pages, 100,000 documents on PostgreSQL)
# Needs the dev token and the packages of hsm-config/apt-packages.txt (bash hsm-config/setup.sh). Builds the native ceiling loop with gcc; the
# service suite on PostgreSQL starts the loopback server of tests/postgres.sh (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-pkcs11}; shift || true
if [ "$suite" = "service" ] && [[ " $* " != *" --backend sqlite "* ]]; then bash tests/postgres.sh >/dev/null; fi
if [ "$suite" = "console" ]; then bash tests/postgres.sh >/dev/null; fi
if [ "$suite" != "pkcs11" ]; then exec dotnet run -c Release --project bench/Signing.Bench -- "$suite" "$@"; fi
[ -f /usr/include/p11-kit-1/p11-kit/pkcs11.h ] || { echo "bench: no pkcs11.h; run bash hsm-config/setup.sh (it installs libp11-kit-dev)" >&2; exit 1; }
out=$(mktemp -d)
gcc -O2 -o "$out/ceiling" bench/pkcs11/ceiling.c -I/usr/include/p11-kit-1 -ldl -lpthread
dotnet run -c Release --project bench/Signing.Bench -- "$suite" --ceiling "$out/ceiling" "$@"
rm -rf "$out"
