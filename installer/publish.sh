#!/usr/bin/env bash
# Builds the self-contained appliance (no .NET needed on the target) into installer/out/appliance.
set -euo pipefail
cd "$(dirname "$0")/.."
out="installer/out/appliance"
rm -rf "$out"
dotnet publish Appliance/Appliance.csproj -c Release -r linux-x64 --self-contained -o "$out" -p:DebugType=none
cp installer/appliance.service installer/install.sh installer/appsettings.installed.json "$out/"
echo "published to $out ($(du -sh "$out" | cut -f1))"
