#!/bin/sh
# Regenerates samples/previews/*.png from samples/decisions/*.json with the CLI
# (signing render --previews uses pdftoppm -png -r 60). Fixed --created so the output is stable.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build -v q "$root/src/Signing.Cli" >/dev/null
rm -f "$root"/samples/previews/*.png
for t in quyet-dinh giay-phep mau-01-tiep-nhan mau-02-bo-sung mau-03-tu-choi mau-04-xin-loi; do
  dotnet "$root/src/Signing.Cli/bin/Debug/net10.0/signing.dll" render "$root/samples/decisions/$t.json" \
    -o "$out/$t.pdf" --created 2024-03-05T09:00:00+07:00 --previews "$root/samples/previews"
done

# Signed results (head signature + agency seal, PAdES B-T on the dev token): samples/previews/signed/.
# Needs the dev token (bash hsm-config/setup.sh). The signing time differs per run, so these change.
mkdir -p "$root/samples/previews/signed"
rm -f "$root"/samples/previews/signed/*.png
mkdir -p "$out/decisions"
for t in quyet-dinh giay-phep mau-01-tiep-nhan mau-04-xin-loi; do cp "$root/samples/decisions/$t.json" "$out/decisions/"; done
dotnet "$root/src/Signing.Cli/bin/Debug/net10.0/signing.dll" demo --samples "$out/decisions" --out "$out/signed" --previews "$root/samples/previews/signed"
