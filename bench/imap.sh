#!/usr/bin/env bash
# IMAP on this machine, side by side with Dovecot where they compare:
#   1. FETCH ENVELOPE and FETCH BODY[] of the same 1,000 messages (APPENDed to both) over TLS,
#      Appliance and Dovecot 2.3 (imap over implicit TLS, Maildir);
#   2. Appliance alone: N concurrent TLS connections log in, SELECT INBOX and IDLE; the server's
#      resident memory before and after gives the memory per idle connection; one message delivered
#      over SMTP must reach every IDLE session.
# Everything listens on 127.0.0.1, runs from /tmp/appliance-imapbench, and is stopped by process id.
#
#   3. the same idle run with COMPRESS=DEFLATE (RFC 4978) turned on by every connection after LOGIN, against a
#      freshly started Appliance over the same data, so that both memory figures start from the same state.
# Usage (as root): bench/imap.sh [idle-connections] [messages] [size] [idle-modes]
#   defaults: 10000 1000 4096 "plain compress"; idle-modes is any of plain, compress (e.g. "compress" alone)
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${1:-10000}
MESSAGES=${2:-1000}
SIZE=${3:-4096}
IDLE_MODES=${4:-plain compress}
BASE=/tmp/appliance-imapbench
PASSWORD="Bench-Pass-2026"
USER_ADDRESS="bob@example.com"

[ "$(id -u)" -eq 0 ] || { echo "error: run as root (it installs and starts Dovecot privately)" >&2; exit 1; }
need=()
for pkg in dovecot-core dovecot-imapd openssl; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
if [ "${#need[@]}" -gt 0 ]; then
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
fi
# Each idle connection is one descriptor in the client process and one in the server process.
want=$(( CONNECTIONS + 1024 ))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
  echo "error: $CONNECTIONS connections need $want open files per process; the hard limit here is $hard" >&2
  exit 1
fi
ulimit -n "$want"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { local until=$(( $(date +%s) + 60 )); until bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; do [ "$(date +%s)" -lt "$until" ] || return 1; sleep 0.2; done; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$BASE/dovecot/dovecot.conf" ] && dovecot -c "$BASE/dovecot/dovecot.conf" stop 2>/dev/null || true
}
trap cleanup EXIT
cleanup
rm -rf "$BASE"
mkdir -p "$BASE"

echo "building Appliance (Release)…"
dotnet build Appliance/Appliance.csproj -c Release -v quiet -nologo >/dev/null
APPLIANCE=Appliance/bin/Release/net10.0/linux-x64/Appliance

# --- Appliance ---
IPORT=$(free_port); SPORT=$(free_port); HPORT=$(free_port)
$APPLIANCE --data "$BASE/appliance" setup --hostname mail.example.com --domain example.com \
  --admin admin@example.com --admin-password "Bench-$(date +%s)-Pass" >/dev/null
$APPLIANCE --data "$BASE/appliance" user add "$USER_ADDRESS" --password "$PASSWORD" >/dev/null
start_appliance() {
$APPLIANCE --data "$BASE/appliance" serve --Appliance:Listeners:Imaps="$IPORT" --Appliance:Listeners:Smtp="$SPORT" \
  --Appliance:Listeners:Http="$HPORT" --Appliance:Listeners:Https=0 --Appliance:Listeners:Imap=0 \
  --Appliance:Listeners:Submission=0 --Appliance:Listeners:Smtps=0 --Appliance:Listeners:Pop3=0 --Appliance:Listeners:Pop3s=0 \
  --Appliance:Imap:MaxConnectionsPerUser=$(( CONNECTIONS + 10 )) --Appliance:Imap:MaxConnectionsPerAddress=$(( CONNECTIONS + 10 )) --Appliance:Connections:MaxPerListener=$(( CONNECTIONS + 10 )) --Appliance:Connections:MaxPerAddress=$(( CONNECTIONS + 10 )) --Logging:LogLevel:Default=Warning >>"$BASE/appliance.log" 2>&1 &
APID=$!
pids+=($APID)
wait_port "$IPORT"
}
start_appliance

echo "filling both servers with $MESSAGES messages of $SIZE bytes…"
/usr/bin/python3 bench/imap_load.py fill 127.0.0.1 "$IPORT" "$USER_ADDRESS" "$PASSWORD" "$MESSAGES" "$SIZE"

# --- Dovecot (imaps, Maildir, static password) ---
DPORT=$(free_port)
mkdir -p "$BASE/dovecot/run" "$BASE/dovecot/state" "$BASE/mail"
chown mail:mail "$BASE/mail"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout "$BASE/dovecot/key.pem" -out "$BASE/dovecot/cert.pem" 2>/dev/null
cat >"$BASE/dovecot/dovecot.conf" <<CONF
base_dir = $BASE/dovecot/run
state_dir = $BASE/dovecot/state
log_path = $BASE/dovecot/dovecot.log
protocols = imap
ssl = required
ssl_cert = <$BASE/dovecot/cert.pem
ssl_key = <$BASE/dovecot/key.pem
first_valid_uid = 8
mail_location = maildir:$BASE/mail/%n
passdb {
  driver = static
  args = password=$PASSWORD
}
userdb {
  driver = static
  args = uid=mail gid=mail home=$BASE/mail/%n
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $DPORT
    ssl = yes
  }
}
CONF
dovecot -c "$BASE/dovecot/dovecot.conf"
wait_port "$DPORT"
/usr/bin/python3 bench/imap_load.py fill 127.0.0.1 "$DPORT" "$USER_ADDRESS" "$PASSWORD" "$MESSAGES" "$SIZE"

echo
echo "== FETCH, Appliance =="
/usr/bin/python3 bench/imap_load.py fetch 127.0.0.1 "$IPORT" "$USER_ADDRESS" "$PASSWORD"
echo "== FETCH, Dovecot =="
/usr/bin/python3 bench/imap_load.py fetch 127.0.0.1 "$DPORT" "$USER_ADDRESS" "$PASSWORD"
for mode in $IDLE_MODES; do
  # A fresh server for each mode, warmed by one FETCH round: otherwise what the runtime kept from the FETCHes above
  # (or from the last mode) counts in one figure's "before" and not in the other's.
  kill "$APID"; wait "$APID" 2>/dev/null || true
  start_appliance
  /usr/bin/python3 bench/imap_load.py fetch 127.0.0.1 "$IPORT" "$USER_ADDRESS" "$PASSWORD" >/dev/null
  sleep 5
  echo
  echo "== $CONNECTIONS idle TLS connections, Appliance, $mode =="
  /usr/bin/python3 bench/imap_load.py idle 127.0.0.1 "$IPORT" "$USER_ADDRESS" "$PASSWORD" "$CONNECTIONS" "$APID" "$SPORT" "$mode"
done
