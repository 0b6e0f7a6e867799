#!/usr/bin/env bash
# Sets up what is missing on a Debian 12 machine with the .NET 10 SDK, idempotently:
#   - the apt packages listed in hsm-config/apt-packages.txt;
#   - the `signing` CLI (Release build);
#   - the dev token (SoftHSM2, project-local in .dev/), its non-extractable keys and the dev PKI;
#   - an NSS database trusting the dev root, for pdfsig.
# With --demo it then runs the main job on the embedded default (`signing serve --demo`).
# Nothing it makes is committed: .dev/ is git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The one list of apt packages; nothing else is installed by hand.
mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]//g' hsm-config/apt-packages.txt)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "setup: building the signing CLI"
dotnet build "$ROOT/src/Signing.Cli/Signing.Cli.csproj" -c Release -nologo -v q -clp:ErrorsOnly
signing() { dotnet "$ROOT/src/Signing.Cli/bin/Release/net10.0/signing.dll" "$@"; }

signing dev init

# pdfsig reads trust from an NSS database: trust exactly the current dev root.
NSS="$ROOT/.dev/nssdb"
mkdir -p "$NSS"
[ -f "$NSS/cert9.db" ] || certutil -N -d "sql:$NSS" --empty-password
certutil -D -d "sql:$NSS" -n signing-dev-root >/dev/null 2>&1 || true
certutil -A -d "sql:$NSS" -n signing-dev-root -t "CT,C,C" -i "$ROOT/.dev/pki/root-ca.pem"
echo "setup: NSS database for pdfsig in $NSS (trusts the dev root)"

if [ "${1:-}" = "--demo" ]; then
  # The main job: the service on the embedded default (SQLite + dev token + built-in TSA) issues the samples.
  signing serve --demo
fi
