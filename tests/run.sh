#!/usr/bin/env bash
# Runs every test: sets up what is missing first (idempotent), then the whole solution's tests.
# Prints one closing line "tests: N passed, N failed, N skipped" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash hsm-config/setup.sh
# The foreign signers' node packages (@signpdf, for the verifier's tests), exactly as package-lock.json pins them.
(cd tests/foreign-signers && npm ci --no-audit --no-fund --loglevel=error)
# The storage suite runs against a real PostgreSQL server on loopback, started here.
bash tests/postgres.sh

# The desk agent ships as a self-contained single file for Windows and Linux; both are built here,
# and the agent's tests drive the Linux one (the Windows one cannot run on this machine).
for rid in linux-x64 win-x64; do
  dotnet publish "$ROOT/src/Signing.Agent" -c Release -r "$rid" --self-contained -p:PublishSingleFile=true \
    -p:DebugType=none -nologo -v:q -o "$ROOT/.dev/agent/$rid" >/dev/null
done
ls -l "$ROOT/.dev/agent/linux-x64/signing-agent" "$ROOT/.dev/agent/win-x64/signing-agent.exe"
export SIGNING_AGENT_EXE="$ROOT/.dev/agent/linux-x64/signing-agent"

# The CLI tests drive the CLI published as a single file outside the checkout: fonts, templates,
# images and samples must travel inside it.
published=$(mktemp -d)
trap 'rm -rf "$published"' EXIT
dotnet publish "$ROOT/src/Signing.Cli" -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true \
  -p:DebugType=none -nologo -v:q -o "$published/cli" >/dev/null
export SIGNING_CLI_EXE="$published/cli/signing"

log=$(mktemp)
status=0
# One test assembly at a time: the machine has two cores and the SoftHSM/openssl-heavy suites
# measure nothing about speed, so serial runs keep them predictable.
dotnet test "$ROOT/Signing.sln" -c Release -nologo -m:1 2>&1 | tee "$log" || status=$?

passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
