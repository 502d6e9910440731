#!/usr/bin/env bash
# SMTP throughput, side by side on this machine: Postfix's smtp-source drives the same load at
#   1. Appliance (inbound port, local delivery into the mail store), and
#   2. Postfix with delivery to Dovecot over LMTP into Maildir,
# and reports accepted and delivered messages per second, CPU milliseconds per message for each
# side (the appliance's process; the sum over every Postfix and Dovecot process, those that exited
# included), the ratios, and this disk's fsync latency. Everything listens on 127.0.0.1 only and is
# stopped by its process id at the end. CPU is read from a cpuacct cgroup per side (cgroup v1 or v2);
# without one the appliance falls back to /proc/PID/stat and Postfix+Dovecot reads "n/a".
#
# Each run uses a fresh, never-used folder under $BENCH_ROOT (default /var/tmp/appliance-bench) and
# leaves it there: deleting a folder of many small files right before a run makes ext4's inode
# allocator skip the recently deleted inodes, which cost ~20% of the CPU for minutes and skewed
# the figures. Delete old runs when no run is about to start.
#
# With --filtered, the same load carries one realistic message (multipart, about 4.5 KiB, DKIM-signed by
# sender.example, whose SPF, DKIM key and DMARC p=reject are served by a loopback DNS responder,
# bench/smtp_filtered.py) and Appliance runs three times, each freshly started:
#   a. filtering off: the build of BASELINE_REF (default 556ad29, the last commit before issue 12 wired any
#      check into the door; there is no switch that turns SPF, DKIM and DMARC off in the current build);
#   b. the whole built-in chain: DNSBL (a zone on the responder; 127.0.0.1 is not listed), HELO, reverse DNS
#      and sender-domain checks, two UCE rules, SPF, DKIM, ARC, DMARC, the user's Bayes classifier (trained
#      first over IMAP with 200 spam and 200 ham moves) and the user's Sieve script (uploaded by sieve-connect);
#   c. the same with a private spamd (local rules only) and clamd (the EICAR signature only) on free ports;
# then Postfix + Dovecot as in the plain mode, with the same message. CPU of the DNS responder and of
# spamd+clamd is counted apart (their own cgroups).
#
# Usage (as root): bench/smtp.sh [--filtered] [messages] [sessions] [size]    defaults: 5000 10 4096
#                  (--filtered: 3000 10; the size is the message's own)
#                  WARMUP=N sends N messages to each Appliance run before the measured ones (default 0: cold start,
#                  JIT included); Postfix + Dovecot, compiled ahead of time, are measured as they start.
set -euo pipefail
cd "$(dirname "$0")/.."
FILTERED=0
if [ "${1:-}" = "--filtered" ]; then FILTERED=1; shift; fi
MESSAGES=${1:-$([ "$FILTERED" -eq 1 ] && echo 3000 || echo 5000)}
SESSIONS=${2:-10}
SIZE=${3:-4096}
BASELINE_REF=${BASELINE_REF:-556ad29}
BENCH_ROOT=${BENCH_ROOT:-/var/tmp/appliance-bench}
BASE=$BENCH_ROOT/run-$(date +%Y%m%d-%H%M%S)-$$
TIMEOUT=600   # seconds any one phase may take
WARMUP=${WARMUP:-0}   # messages sent to each Appliance run first, unmeasured (steady state rather than a cold JIT)

[ "$(id -u)" -eq 0 ] || { echo "error: run as root (it installs and starts Postfix and Dovecot privately)" >&2; exit 1; }

# --- prerequisites: installed without starting the system daemons (policy-rc.d 101) ---
need=()
pkgs=(postfix dovecot-core dovecot-lmtpd sqlite3 python3-dnspython)
[ "$FILTERED" -eq 1 ] && pkgs+=(python3-dkim spamd clamav-daemon sieve-connect)
for pkg in "${pkgs[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
if [ "${#need[@]}" -gt 0 ]; then
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
fi

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
rate() { /usr/bin/python3 -c "print(f'{$1/($3-$2):.0f}')"; }
wait_for() { # wait_for <seconds> <command...>: until the command succeeds
  local until=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$until" ] || return 1; sleep 0.05; done
}

# --- CPU accounting: one cpuacct cgroup per side; its counter keeps the time of processes that exited ---
CG_ROOT=""
for d in /sys/fs/cgroup/cpuacct /sys/fs/cgroup/cpu,cpuacct; do [ -w "$d/cgroup.procs" ] && { CG_ROOT=$d; break; }; done
[ -z "$CG_ROOT" ] && [ -f /sys/fs/cgroup/cgroup.controllers ] && [ -w /sys/fs/cgroup/cgroup.procs ] && CG_ROOT=/sys/fs/cgroup
cg_make() { # cg_make <name>: prints the cgroup's path, or nothing when there is none
  [ -n "$CG_ROOT" ] || return 0
  local g="$CG_ROOT/appliance-bench-$1-$$"
  mkdir -p "$g" 2>/dev/null && echo "$g"
}
cg_ns() { # cg_ns <cgroup>: CPU nanoseconds used by everything that ran in it
  if [ -f "$1/cpuacct.usage" ]; then cat "$1/cpuacct.usage"
  else awk '/^usage_usec/ {print $2 * 1000}' "$1/cpu.stat"; fi
}
cg_run() { # cg_run <cgroup> <command...>: runs the command (and all it starts) inside the cgroup
  local g=$1; shift
  if [ -n "$g" ]; then bash -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$g" "$@"; else "$@"; fi
}
proc_ns() { awk '{printf "%.0f\n", ($14 + $15) * 1e9 / '"$(getconf CLK_TCK)"'}' "/proc/$1/stat"; }
groups_made=()
cg_remove() { # ends what is left in our cgroups (only what this script started), then removes them
  for g in "${groups_made[@]}"; do
    for pid in $(cat "$g/cgroup.procs" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  for g in "${groups_made[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$g" 2>/dev/null && break; sleep 0.2; done
  done
}

pids=()
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$BASE/dovecot/dovecot.conf" ] && dovecot -c "$BASE/dovecot/dovecot.conf" stop 2>/dev/null || true
  [ -d "$BASE/pf/etc" ] && postfix -c "$BASE/pf/etc" stop >/dev/null 2>&1 || true
  cg_remove
}
trap cleanup EXIT
mkdir -p "$BASE"
echo "data in $BASE"

# --- this disk's fsync latency: 200 appends of 4 KiB, each followed by fsync, in the bench folder ---
fsync_ms=$(/usr/bin/python3 - "$BASE" <<'PY'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
block, n = b"x" * 4096, 200
start = time.perf_counter()
for _ in range(n):
    os.write(fd, block)
    os.fsync(fd)
print(f"{(time.perf_counter() - start) * 1000 / n:.2f}")
os.close(fd)
PY
)
echo "fsync of a 4 KiB append: $fsync_ms ms"

echo "building Appliance (Release)…"
dotnet build Appliance/Appliance.csproj -c Release -v quiet -nologo >/dev/null
APPLIANCE=Appliance/bin/Release/net10.0/linux-x64/Appliance
HELPER=bench/smtp_filtered.py
PASSWORD="Bench-Pass-2026"

# --- the loopback DNS responder: every run's resolver (the system's would be asked for the senders' SPF records) ---
FIX=$BASE/fixture
mkdir -p "$FIX"
if [ "$FILTERED" -eq 1 ]; then
  /usr/bin/python3 "$HELPER" prepare "$FIX"
  MESSAGE_FILE=$FIX/message.eml
  FROM=anna@sender.example; HELO=mta.sender.example
else
  /usr/bin/python3 - "$FIX" <<'PY'
import json, sys
json.dump({"example.com": {"MX": ["10 mail.example.com."]}, "mail.example.com": {"A": ["127.0.0.1"]}}, open(sys.argv[1] + "/zone.json", "w"))
PY
  FROM=sender@bench.example; HELO=bench.example
fi
D_CG=$(cg_make dns); [ -n "$D_CG" ] && groups_made+=("$D_CG")
bash -c '[ -z "$0" ] || echo $$ > "$0/cgroup.procs"; exec "$@"' "$D_CG" /usr/bin/python3 "$HELPER" dns "$FIX/zone.json" "$FIX/dns.port" 2>"$BASE/dns.log" &
pids+=($!)
wait_for 10 test -s "$FIX/dns.port"
DNS="127.0.0.1:$(cat "$FIX/dns.port")"
d_cpu() { if [ -n "$D_CG" ]; then cg_ns "$D_CG"; else proc_ns "${pids[0]}"; fi; }
load() { # load <port>: the measured smtp-source run
  if [ -n "${MESSAGE_FILE:-}" ]; then
    timeout "$TIMEOUT" smtp-source -s "$SESSIONS" -m "$MESSAGES" -F "$MESSAGE_FILE" -M "$HELO" -f "$FROM" -t bob@example.com "127.0.0.1:$1"
  else
    timeout "$TIMEOUT" smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -M "$HELO" -f "$FROM" -t bob@example.com "127.0.0.1:$1"
  fi
}
ms_per() { /usr/bin/python3 -c "print(f'{($2-$1)/1e6/$MESSAGES:.2f}')"; }

# --- spamd (local rules, no Bayes) and clamd (the EICAR signature only), for run c ---
S_CG=""
start_scanners() {
  local root=$BASE/scanners
  mkdir -p "$root/site" "$root/db" "$root/tmp"
  cp /etc/spamassassin/*.pre "$root/site/"
  printf 'use_bayes 0\nbayes_auto_learn 0\n' > "$root/site/local.cf"
  chmod -R o+rX "$root"; chmod o+rx "$BASE"
  /usr/bin/python3 -c 'import sys; e=b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"; print("Eicar-Test-Signature:0:*:" + e.hex())' > "$root/db/eicar.ndb"
  SPAMD_PORT=$(free_port); CLAMD_PORT=$(free_port)
  cat > "$root/clamd.conf" <<CONF
Foreground yes
TCPSocket $CLAMD_PORT
TCPAddr 127.0.0.1
DatabaseDirectory $root/db
TemporaryDirectory $root/tmp
LogFile $root/clamd.log
PidFile $root/clamd.pid
StreamMaxLength 26214400
MaxThreads 2
AlertExceedsMax yes
CONF
  S_CG=$(cg_make scanners); [ -n "$S_CG" ] && groups_made+=("$S_CG")
  bash -c '[ -z "$0" ] || echo $$ > "$0/cgroup.procs"; exec "$@"' "$S_CG" /usr/sbin/clamd --config-file="$root/clamd.conf" >"$root/clamd.out" 2>&1 &
  pids+=($!); CLAMD_PID=$!
  bash -c '[ -z "$0" ] || echo $$ > "$0/cgroup.procs"; exec "$@"' "$S_CG" /usr/sbin/spamd --listen="127.0.0.1:$SPAMD_PORT" --local --nouser-config \
    --siteconfigpath="$root/site" --pidfile="$root/spamd.pid" -s "$root/spamd.log" --max-children=2 --min-children=1 -u nobody >"$root/spamd.out" 2>&1 &
  pids+=($!); SPAMD_PID=$!
  wait_for 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$CLAMD_PORT; printf 'zPING\0' >&3; IFS= read -r -d '' -t 5 r <&3; [ \"\$r\" = PONG ]" \
    || { echo "error: clamd did not answer zPING; see $root/clamd.log" >&2; exit 1; }
  wait_for 180 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SPAMD_PORT; printf 'PING SPAMC/1.5\r\n\r\n' >&3; read -r -t 5 r <&3; [[ \"\$r\" == *PONG* ]]" \
    || { echo "error: spamd did not answer PING; see $root/spamd.log" >&2; exit 1; }
}
s_cpu() { if [ -n "$S_CG" ]; then cg_ns "$S_CG"; else echo $(( $(proc_ns "$SPAMD_PID") + $(proc_ns "$CLAMD_PID") )); fi; }

# --- the filtering chain's settings (run b and c) ---
CHAIN=(
  --Appliance:Uce:TrustLoopback=false
  --Appliance:Uce:RateLimits:ConnectionsPerMinute=0 --Appliance:Uce:RateLimits:MessagesPerMinute=0
  --Appliance:Uce:DnsblZones:0:Zone=dnsbl.bench.test --Appliance:Uce:DnsblZones:0:Action=Reject
  --Appliance:Uce:Rules:0:Name=PHARMA --Appliance:Uce:Rules:0:Target=Body
  "--Appliance:Uce:Rules:0:Pattern=\\b(viagra|cialis|levitra)\\b" --Appliance:Uce:Rules:0:Points=3
  --Appliance:Uce:Rules:1:Name=MONEY_SUBJECT --Appliance:Uce:Rules:1:Target=Header --Appliance:Uce:Rules:1:Field=Subject
  "--Appliance:Uce:Rules:1:Pattern=(million|lottery|winner|inheritance)" --Appliance:Uce:Rules:1:Points=2
)
SIEVE_SCRIPT='require ["fileinto", "imap4flags", "envelope", "body", "relational", "comparator-i;ascii-numeric", "spamtest"];
# a user'"'"'s few rules: mailing lists aside, spam by score, the boss flagged, newsletters and reports in their folders
if header :contains "List-Id" "announce" { fileinto "Lists"; stop; }
if spamtest :value "ge" :comparator "i;ascii-numeric" "6" { fileinto "Junk"; stop; }
if address :is "from" "boss@partner.example" { addflag "\\Flagged"; }
if envelope :domain :is "from" "sender.example" { addflag "$Work"; }
if body :text :contains ["unsubscribe", "newsletter"] { fileinto "Newsletters"; stop; }
if header :contains "Subject" "report" { fileinto "Reports"; stop; }
'

# prepare_chain <binary> <data>: trains bob's classifier over IMAP and installs his Sieve script, in a server run of
# its own (stopped before the measured one starts, so the measured server is as cold as the others)
prepare_chain() {
  local bin=$1 data=$2 imap sieve
  imap=$(free_port); sieve=$(free_port)
  $bin --data "$data" serve --Appliance:Listeners:Smtp=0 --Appliance:Listeners:Http="$(free_port)" \
    --Appliance:Listeners:Https=0 --Appliance:Listeners:Submission=0 --Appliance:Listeners:Smtps=0 \
    --Appliance:Listeners:Imap="$imap" --Appliance:Listeners:Imaps=0 --Appliance:Listeners:Pop3=0 --Appliance:Listeners:Pop3s=0 \
    --Appliance:Listeners:ManageSieve="$sieve" --Appliance:Security:AllowPlaintextAuth=true \
    --Appliance:Dns:Servers:0="$DNS" --Logging:LogLevel:Default=Warning >"$data.prepare.log" 2>&1 &
  local pid=$!
  wait_for 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$imap" && wait_for 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$sieve"
  /usr/bin/python3 "$HELPER" train "$imap" bob@example.com "$PASSWORD" 200
  printf '%s' "$SIEVE_SCRIPT" > "$data.rules.sieve"
  for action in "--upload --localsieve $data.rules.sieve --remotesieve rules" "--activate --remotesieve rules"; do
    # shellcheck disable=SC2086
    echo "$PASSWORD" | sieve-connect --server 127.0.0.1 --port "$sieve" --user bob@example.com --passwordfd 0 --notlsverify $action \
      || { echo "error: sieve-connect $action failed" >&2; kill "$pid"; exit 1; }
  done
  # JunkTraining learns after each move is committed: wait for its counts before stopping the server.
  totals() { sqlite3 "$data/appliance.db" "SELECT nspam || ' spam, ' || nham || ' ham' FROM bayes_totals WHERE nspam >= 200 AND nham >= 200"; }
  wait_for 120 bash -c "[ -n \"\$(sqlite3 '$data/appliance.db' 'SELECT 1 FROM bayes_totals WHERE nspam >= 200 AND nham >= 200')\" ]" \
    || { echo "error: the classifier did not learn the 400 moves; see $data.prepare.log" >&2; kill "$pid"; exit 1; }
  local learned; learned=$(totals)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "  bob's classifier learned $learned (IMAP moves into and out of Junk); his Sieve script is active"
}

# run_appliance <label> <binary> <chain: 0|1> <extra serve arguments…>: a fresh data folder, one measured run;
# sets R_ACCEPT R_DELIVER R_CPU R_AFTER R_DNS R_SCAN R_DELIVERED for the label's row
run_appliance() {
  local label=$1 bin=$2 chain=$3; shift 3
  local data port cg pid c0 d0 s0 t0 t1 t2 c1 d1 s1 c2 n0 n
  data=$BASE/appliance-$(echo "$label" | tr -cs 'a-zA-Z0-9\n' -)
  $bin --data "$data" setup --hostname mail.example.com --domain example.com \
    --admin admin@example.com --admin-password "Bench-$(date +%s)-Pass" >/dev/null
  $bin --data "$data" user add bob@example.com --password "$PASSWORD" >/dev/null
  [ "$chain" -eq 1 ] && prepare_chain "$bin" "$data"
  cg=$(cg_make "appliance-${data##*/appliance-}"); [ -n "$cg" ] && groups_made+=("$cg")
  port=$(free_port)
  # Started directly (not through the cg_run function, which would run in a subshell) so that $! is
  # the server's own pid and the kill below reaches it: an orphaned server keeps the build lock's
  # descriptor, inherited through flock, and holds the lock for everyone.
  bash -c '[ -z "$0" ] || echo $$ > "$0/cgroup.procs"; exec "$@"' "$cg" $bin --data "$data" serve --Appliance:Listeners:Smtp="$port" --Appliance:Listeners:Http="$(free_port)" \
    --Appliance:Listeners:Https=0 --Appliance:Listeners:Submission=0 --Appliance:Listeners:Smtps=0 \
    --Appliance:Listeners:Imap=0 --Appliance:Listeners:Imaps=0 --Appliance:Listeners:Pop3=0 --Appliance:Listeners:Pop3s=0 \
    --Appliance:Listeners:ManageSieve=0 --Appliance:Dns:Servers:0="$DNS" \
    --Logging:LogLevel:Default=Warning "$@" >"$data.log" 2>&1 &
  pid=$!; SERVER_PID=$pid
  wait_for 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
  a_cpu() { if [ -n "$cg" ]; then cg_ns "$cg"; else proc_ns "$pid"; fi; }
  count() { sqlite3 "$data/appliance.db" "SELECT COUNT(*) FROM messages"; }
  n0=$(count)
  if [ "$WARMUP" -gt 0 ]; then
    # Steady state: the same load, unmeasured, so the JIT and the caches are warm before the timed run.
    local measured=$MESSAGES; MESSAGES=$WARMUP
    load "$port" >/dev/null
    MESSAGES=$measured
    local wlast=-1 wsame=0 w
    while :; do
      w=$(count); [ "$w" -ge $((n0 + WARMUP)) ] && break
      if [ "$w" = "$wlast" ]; then wsame=$((wsame + 1)); [ "$wsame" -ge 40 ] && break; else wsame=0; wlast=$w; fi
      sleep 0.05
    done
    n0=$(count)
  fi
  sleep 2   # let start-up work (migrations, first jobs) settle; it is not the messages' cost
  echo "Appliance ($label): smtp-source -s $SESSIONS -m $MESSAGES ${MESSAGE_FILE:+-F message.eml}"
  c0=$(a_cpu); d0=$(d_cpu); s0=$( [ -n "${SPAMD_PID:-}" ] && s_cpu || echo 0); t0=$(now)
  load "$port"
  t1=$(now)
  # Appliance delivers inside the transaction; a message refused (451/550) never comes, so wait for quiet, not a count.
  local last=-1 same=0
  while :; do
    n=$(count); [ "$n" -ge $((n0 + MESSAGES)) ] && break
    if [ "$n" = "$last" ]; then same=$((same + 1)); [ "$same" -ge 40 ] && break; else same=0; last=$n; fi
    sleep 0.05
  done
  t2=$(now); c1=$(a_cpu); d1=$(d_cpu); s1=$( [ -n "${SPAMD_PID:-}" ] && s_cpu || echo 0)
  sleep 3; c2=$(a_cpu)
  R_DELIVERED=$((n - n0))
  R_ACCEPT=$(rate "$MESSAGES" "$t0" "$t1"); R_DELIVER=$(rate "$R_DELIVERED" "$t0" "$t2")
  R_CPU=$(ms_per "$c0" "$c1"); R_AFTER=$(ms_per "$c1" "$c2"); R_DNS=$(ms_per "$d0" "$d1"); R_SCAN=$(ms_per "$s0" "$s1")
  kill "$pid"; wait "$pid" 2>/dev/null || true; SERVER_PID=""
  [ "$R_DELIVERED" -eq "$MESSAGES" ] || echo "  warning: $R_DELIVERED of $MESSAGES delivered; refusals in $data.log and the message log" >&2
  # What the chain wrote into the last delivered message: proof that it judged (and passed) it.
  local blob
  blob=$(sqlite3 "$data/appliance.db" "SELECT blob_hash FROM messages ORDER BY id DESC LIMIT 1")
  local file; file=$(find "$data" -type f -name "$blob*" 2>/dev/null | head -1)
  if [ -n "$file" ]; then /usr/bin/python3 "$HELPER" check "$file"; fi
  sqlite3 "$data/appliance.db" "SELECT '  folders: ' || group_concat(name || '=' || c, ', ') FROM (SELECT b.name, COUNT(*) c FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id GROUP BY b.name)"
  rows+=("$(printf '%-34s %10s %11s %9s %9s %8s %9s' "$label" "$R_ACCEPT" "$R_DELIVER" "$R_CPU" "+$R_AFTER" "$R_DNS" "$R_SCAN")")
}
SERVER_PID=""
rows=()

if [ "$FILTERED" -eq 1 ]; then
  # a. the build before issue 12 (cached between runs)
  sha=$(git rev-parse --short=12 "$BASELINE_REF")
  BASE_SRC=$BENCH_ROOT/baseline-$sha
  BASE_BIN=$BASE_SRC/Appliance/bin/Release/net10.0/linux-x64/Appliance
  # Built where it stays: the build writes its own folder's absolute path into the static web assets' manifest.
  if [ ! -f "$BASE_SRC/.built" ]; then
    echo "building the filtering-off baseline ($BASELINE_REF = $sha) in $BASE_SRC…"
    rm -rf "$BASE_SRC"; mkdir -p "$BASE_SRC"
    git archive "$sha" | tar -x -C "$BASE_SRC"
    dotnet build "$BASE_SRC/Appliance/Appliance.csproj" -c Release -v quiet -nologo >/dev/null
    touch "$BASE_SRC/.built"
  fi
  run_appliance "off ($sha)" "$BASE_BIN" 0
  run_appliance "chain, no scanners" "$APPLIANCE" 1 "${CHAIN[@]}"
  start_scanners
  run_appliance "chain + spamd + clamd" "$APPLIANCE" 1 "${CHAIN[@]}" \
    --Appliance:Filtering:SpamAssassin:Enabled=true --Appliance:Filtering:SpamAssassin:Port="$SPAMD_PORT" \
    --Appliance:Filtering:ClamAV:Enabled=true --Appliance:Filtering:ClamAV:Port="$CLAMD_PORT"
  kill "$SPAMD_PID" "$CLAMD_PID" 2>/dev/null || true; wait "$SPAMD_PID" "$CLAMD_PID" 2>/dev/null || true; SPAMD_PID=""
else
  run_appliance "Appliance" "$APPLIANCE" 0
  a_accept=$R_ACCEPT; a_deliver=$R_DELIVER; a_cpu_ms=$R_CPU; a_after_ms=$R_AFTER
fi

# --- Dovecot (LMTP into Maildir) ---
LPORT=$(free_port)
mkdir -p "$BASE/dovecot/run" "$BASE/dovecot/state" "$BASE/mail"
chown mail:mail "$BASE/mail"
cat >"$BASE/dovecot/dovecot.conf" <<CONF
base_dir = $BASE/dovecot/run
state_dir = $BASE/dovecot/state
log_path = $BASE/dovecot/dovecot.log
protocols = lmtp
ssl = no
first_valid_uid = 8
mail_location = maildir:$BASE/mail/%n
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=mail gid=mail home=$BASE/mail/%n
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LPORT
  }
}
CONF
P_CG=$(cg_make postfix-dovecot); [ -n "$P_CG" ] && groups_made+=("$P_CG")
cg_run "$P_CG" dovecot -c "$BASE/dovecot/dovecot.conf"

# --- Postfix (private instance, no chroot, relaying example.com to Dovecot over LMTP) ---
PPORT=$(free_port)
mkdir -p "$BASE/pf/etc" "$BASE/pf/queue" "$BASE/pf/data"
chown postfix "$BASE/pf/data"
[ -f /etc/postfix/main.cf ] || printf 'compatibility_level = 3.6\ninet_interfaces = loopback-only\n' > /etc/postfix/main.cf
grep -q "^alternate_config_directories.*$BASE/pf/etc" /etc/postfix/main.cf || echo "alternate_config_directories = $BASE/pf/etc" >> /etc/postfix/main.cf
cat >"$BASE/pf/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $BASE/pf/queue
data_directory = $BASE/pf/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = bench.example
mydestination =
virtual_mailbox_domains = example.com
virtual_transport = lmtp:inet:127.0.0.1:$LPORT
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = permit_mynetworks, reject
maillog_file_prefixes = $BASE
maillog_file = $BASE/pf/maillog
smtpd_client_connection_count_limit = 0
biff = no
alias_maps =
alias_database =
CONF
sed -E "s/^smtp( +)inet( +)n( +)-( +)[yn-]/127.0.0.1:$PPORT inet n - n/; s/^(\S+\s+\S+\s+\S+\s+\S+\s+)y(\s)/\1n\2/" /etc/postfix/master.cf > "$BASE/pf/etc/master.cf"
postfix -c "$BASE/pf/etc" set-permissions >/dev/null 2>&1 || true
cg_run "$P_CG" postfix -c "$BASE/pf/etc" start >/dev/null 2>&1
wait_for 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PPORT"

dovecot_count() { find "$BASE/mail/bob/new" -type f 2>/dev/null | wc -l; }
dovecot_done() { [ "$(dovecot_count)" -ge "$MESSAGES" ]; }
p_cpu() { if [ -n "$P_CG" ]; then cg_ns "$P_CG"; else echo ""; fi; }
sleep 2
echo "Postfix + Dovecot LMTP: smtp-source -s $SESSIONS -m $MESSAGES ${MESSAGE_FILE:+-F message.eml}"
c0=$(p_cpu); t0=$(now)
load "$PPORT"
t1=$(now)
wait_for "$TIMEOUT" dovecot_done
t2=$(now); c1=$(p_cpu)
p_accept=$(rate "$MESSAGES" "$t0" "$t1"); p_deliver=$(rate "$MESSAGES" "$t0" "$t2")
if [ -n "$c0" ]; then p_cpu_ms=$(/usr/bin/python3 -c "print(f'{($c1-$c0)/1e6/$MESSAGES:.2f}')"); else p_cpu_ms=n/a; fi

echo
echo "fsync latency (4 KiB append + fsync, this disk): $fsync_ms ms; $(nproc) cores"
if [ "$FILTERED" -eq 1 ]; then
  echo "CPU ms/message from the start of the load to the last delivery; '+after': the indexer in the 3 s after it;"
  echo "DNS: the loopback responder's; spamd+clamd: the scanners' (both apart from the server's own figure)"
  printf '%-34s %10s %11s %9s %9s %8s %9s\n' "" "accepted/s" "delivered/s" "CPU ms" "+after" "DNS ms" "scan ms"
  for r in "${rows[@]}"; do echo "$r"; done
  printf '%-34s %10s %11s %9s\n' "Postfix + Dovecot LMTP (no filter)" "$p_accept" "$p_deliver" "$p_cpu_ms"
  /usr/bin/python3 - "$p_deliver" "${rows[@]}" <<'PY'
import sys
postfix = float(sys.argv[1])
rows = [r.split() for r in sys.argv[2:]]
def f(r, i): return float(r[-6 + i].lstrip("+"))
off = rows[0]
for r in rows[1:]:
    name = " ".join(r[:-6])
    dlv, cpu = f(r, 1), f(r, 2)
    print(f"{name}: delivered/s {dlv / f(off, 1):.2f}x of filtering off (a cost of {1 - dlv / f(off, 1):.0%}); "
          f"server CPU {cpu / f(off, 2):.2f}x ({cpu - f(off, 2):+.2f} ms/message); {dlv / postfix:.2f}x Postfix + Dovecot")
PY
else
  printf '%-26s %12s %12s %16s\n' "" "accepted/s" "delivered/s" "CPU ms/message"
  printf '%-26s %12s %12s %16s\n' "Appliance" "$a_accept" "$a_deliver" "$a_cpu_ms"
  printf '%-26s %12s %12s %16s\n' "Postfix + Dovecot LMTP" "$p_accept" "$p_deliver" "$p_cpu_ms"
  echo "  (Appliance, the background indexer in the 3 s after delivery: +$a_after_ms CPU ms/message)"
  /usr/bin/python3 -c "print(f'ratio (Appliance / Postfix+Dovecot): accepted {$a_accept/$p_accept:.2f}x, delivered {$a_deliver/$p_deliver:.2f}x')"
  [ "$p_cpu_ms" = n/a ] || /usr/bin/python3 -c "print(f'CPU per message (Appliance / Postfix+Dovecot): {$a_cpu_ms/$p_cpu_ms:.2f}x')"
fi
