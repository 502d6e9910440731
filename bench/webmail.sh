#!/usr/bin/env bash
# The webmail with a large INBOX, side by side with Dovecot where they compare (bench/WebmailBench):
#   1. fills one INBOX with N varied messages (2–8 KiB, replies, attachments, three years of arrivals) through
#      the app's blob store and mail store, as delivery stores them, and times it;
#   2. starts the real host over that data folder and times its background indexer (summaries, FTS5);
#   3. times, with warm-up and then repetitions (median, p90): the first page of the list by date, sender and
#      subject and a body search at the service; in Chromium, the click on the Inbox until its first row shows
#      and the click on Search until "N message(s) found" shows; over IMAP (Python's imaplib, TLS) the first
#      page and SEARCH BODY on Appliance and on a private Dovecot 2.3 given the same bytes as a Maildir.
# Everything listens on 127.0.0.1, runs from /tmp/appliance-webmailbench, and is stopped by process id.
#
# Usage (as root): bench/webmail.sh [messages] [repetitions]    defaults: 100000 10
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES=${1:-100000}
REPETITIONS=${2:-10}
BASE=/tmp/appliance-webmailbench
PASSWORD="Bench-Webmail-2026"
USER_ADDRESS="bob@example.com"

[ "$(id -u)" -eq 0 ] || { echo "error: run as root (it installs and starts Dovecot privately)" >&2; exit 1; }
need=()
for pkg in dovecot-core dovecot-imapd openssl chromium python3; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
if [ "${#need[@]}" -gt 0 ]; then
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
fi

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { local until=$(( $(date +%s) + 60 )); until bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; do [ "$(date +%s)" -lt "$until" ] || return 1; sleep 0.2; done; }

cleanup() {
  # Dovecot's master reads its process id from base_dir; nothing else is stopped.
  [ -f "$BASE/dovecot/dovecot.conf" ] && dovecot -c "$BASE/dovecot/dovecot.conf" stop 2>/dev/null || true
}
trap cleanup EXIT
cleanup
rm -rf "$BASE"
mkdir -p "$BASE"

echo "building Appliance and the benchmark (Release)…"
dotnet build bench/WebmailBench/WebmailBench.csproj -c Release -v quiet -nologo >/dev/null
BENCH=bench/WebmailBench/bin/Release/net10.0/linux-x64/WebmailBench

# --- Dovecot (imaps, Maildir, static password); its INBOX is written by the benchmark with the same bytes ---
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

"$BENCH" --messages "$MESSAGES" --repetitions "$REPETITIONS" --base "$BASE" --imap-script bench/webmail_imap.py \
  --maildir "$BASE/mail/${USER_ADDRESS%@*}" --dovecot-port "$DPORT" --dovecot-config "$BASE/dovecot/dovecot.conf" \
  --dovecot-password "$PASSWORD" --results "$BASE/results.md"
