#!/usr/bin/env bash
# Installs a published appliance (installer/publish.sh) on this Debian machine as a systemd service.
# Run as root from the published folder: ./install.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "error: run install.sh as root" >&2; exit 1; }
[ -x "$here/Appliance" ] || { echo "error: run install.sh from the published folder (installer/publish.sh)" >&2; exit 1; }

id appliance >/dev/null 2>&1 || useradd --system --home-dir /var/lib/appliance --shell /usr/sbin/nologin appliance
install -d -o appliance -g appliance -m 0750 /var/lib/appliance
install -d -m 0755 /opt/appliance /etc/appliance
cp -a "$here/." /opt/appliance/
# Keep an administrator's settings on upgrade.
[ -f /etc/appliance/appsettings.json ] || install -m 0644 "$here/appsettings.installed.json" /etc/appliance/appsettings.json
install -m 0644 "$here/appliance.service" /etc/systemd/system/appliance.service
systemctl daemon-reload
systemctl enable --now appliance
echo "installed; open http://$(hostname -f 2>/dev/null || hostname)/ to run the setup wizard"
