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
#
#   bench/imap.sh sort [data-folder] [repetitions]    defaults: /tmp/appliance-sortbench 10
# SORT (DATE, FROM, SUBJECT, REVERSE ARRIVAL, SIZE) and THREAD (REFERENCES, ORDEREDSUBJECT) over all of a
# 100,000-message INBOX, Appliance and Dovecot 2.3 in the same run (bench/imap_sort.py: median wall time and the
# serving process's CPU per operation, after warm-up runs; then again with one new message before every run, so that
# neither server can answer from what it computed for the folder before). The folder is bench/webmail.sh's seeded mail: made once
# with WebmailBench --fill-only (about 3.5 minutes here), Appliance's data folder and the same bytes as a Maildir
# for Dovecot, and kept for later runs (a newer build migrates the data folder when it starts).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=fetch-idle
if [ "${1:-}" = sort ]; then
  MODE=sort
  shift
  SORT_DATA=${1:-/tmp/appliance-sortbench}
  REPETITIONS=${2:-10}
  set --
fi
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
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { local until=$(( $(date +%s) + 60 )); until bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; do [ "$(date +%s)" -lt "$until" ] || return 1; sleep 0.2; done; }

# Dovecot (imaps on 127.0.0.1, Maildir, one static password) with its state under $1.
write_dovecot_conf() {
  local dir=$1 port=$2 password=$3 mail=$4
  mkdir -p "$dir/run" "$dir/state"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  cat >"$dir/dovecot.conf" <<CONF
  base_dir = $dir/run
  state_dir = $dir/state
  log_path = $dir/dovecot.log
  protocols = imap
  ssl = required
  ssl_cert = <$dir/cert.pem
  ssl_key = <$dir/key.pem
  first_valid_uid = 8
  mail_location = maildir:$mail/%n
  passdb {
    driver = static
    args = password=$password
  }
  userdb {
    driver = static
    args = uid=mail gid=mail home=$mail/%n
  }
  service imap-login {
    inet_listener imap {
      port = 0
    }
    inet_listener imaps {
      address = 127.0.0.1
      port = $port
      ssl = yes
    }
  }
CONF
}

if [ "$MODE" = sort ]; then
  SORT_PASSWORD="Bench-Webmail-2026"   # WebmailBench's user
  if [ ! -f "$SORT_DATA/appliance/appliance.db" ] || [ ! -d "$SORT_DATA/mail/bob/cur" ]; then
    echo "making the 100,000-message folder in $SORT_DATA (WebmailBench --fill-only)…"
    dotnet build bench/WebmailBench/WebmailBench.csproj -c Release -v quiet -nologo >/dev/null
    rm -rf "$SORT_DATA"
    mkdir -p "$SORT_DATA/mail"
    chown mail:mail "$SORT_DATA/mail"
    bench/WebmailBench/bin/Release/net10.0/linux-x64/WebmailBench --messages 100000 --base "$SORT_DATA" --fill-only \
      --maildir "$SORT_DATA/mail/bob" --dovecot-password "$SORT_PASSWORD"
  fi
  echo "building Appliance (Release)…"
  dotnet build Appliance/Appliance.csproj -c Release -v quiet -nologo >/dev/null
  APPLIANCE=Appliance/bin/Release/net10.0/linux-x64/Appliance
  IPORT=$(free_port)
  DPORT=$(free_port)
  APID=
  stop_sort() {
    [ -n "$APID" ] && kill "$APID" 2>/dev/null || true
    [ -f "$SORT_DATA/dovecot/dovecot.conf" ] && dovecot -c "$SORT_DATA/dovecot/dovecot.conf" stop 2>/dev/null || true
  }
  trap stop_sort EXIT
  $APPLIANCE --data "$SORT_DATA/appliance" serve --Appliance:Listeners:Imaps="$IPORT" --Appliance:Listeners:Http="$(free_port)" \
    --Appliance:Listeners:Https=0 --Appliance:Listeners:Imap=0 --Appliance:Listeners:Smtp=0 --Appliance:Listeners:Submission=0 \
    --Appliance:Listeners:Smtps=0 --Appliance:Listeners:Pop3=0 --Appliance:Listeners:Pop3s=0 \
    --Logging:LogLevel:Default=Warning >"$SORT_DATA/appliance.log" 2>&1 &
  APID=$!
  # The Dovecot index (dovecot.index, its cache with the sort keys) lives in the Maildir and survives between runs.
  [ -f "$SORT_DATA/dovecot/dovecot.conf" ] && dovecot -c "$SORT_DATA/dovecot/dovecot.conf" stop 2>/dev/null || true
  write_dovecot_conf "$SORT_DATA/dovecot" "$DPORT" "$SORT_PASSWORD" "$SORT_DATA/mail"
  dovecot -c "$SORT_DATA/dovecot/dovecot.conf"
  wait_port "$IPORT"
  wait_port "$DPORT"
  DMASTER=$(cat "$SORT_DATA/dovecot/run/master.pid")
  echo "SORT and THREAD over INBOX, $REPETITIONS repetitions after 2 warm-up runs each ($(nproc) cores; $(uname -r)):"
  /usr/bin/python3 bench/imap_sort.py "$USER_ADDRESS" "$SORT_PASSWORD" 2 "$REPETITIONS" 120 \
    "Appliance:$IPORT:$APID" "Dovecot 2.3:$DPORT:$DMASTER"
  echo
  echo "The same, each run the first after one new message (appended on a second connection, expunged at the end):"
  /usr/bin/python3 bench/imap_sort.py --after-new-mail "$USER_ADDRESS" "$SORT_PASSWORD" 2 "$REPETITIONS" 120 \
    "Appliance:$IPORT:$APID" "Dovecot 2.3:$DPORT:$DMASTER"
  exit 0
fi
# Each idle connection is one descriptor in the client process and one in the server process.
want=$(( CONNECTIONS + 1024 ))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then
  echo "error: $CONNECTIONS connections need $want open files per process; the hard limit here is $hard" >&2
  exit 1
fi
ulimit -n "$want"

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
mkdir -p "$BASE/mail"
chown mail:mail "$BASE/mail"
write_dovecot_conf "$BASE/dovecot" "$DPORT" "$PASSWORD" "$BASE/mail"
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
