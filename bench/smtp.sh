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
# Usage (as root): bench/smtp.sh [messages] [sessions] [size]    defaults: 5000 10 4096
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES=${1:-5000}
SESSIONS=${2:-10}
SIZE=${3:-4096}
BENCH_ROOT=${BENCH_ROOT:-/var/tmp/appliance-bench}
BASE=$BENCH_ROOT/run-$(date +%Y%m%d-%H%M%S)-$$
TIMEOUT=600   # seconds any one phase may take

[ "$(id -u)" -eq 0 ] || { echo "error: run as root (it installs and starts Postfix and Dovecot privately)" >&2; exit 1; }

# --- prerequisites: installed without starting the system daemons (policy-rc.d 101) ---
need=()
for pkg in postfix dovecot-core dovecot-lmtpd sqlite3; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
if [ "${#need[@]}" -gt 0 ]; then
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
fi

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
rate() { /usr/bin/python3 -c "print(f'{$1/($3-$2):.0f}')"; }
wait_for() { # wait_for <seconds> <command...>: until the command succeeds
  local until=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$until" ] || return 1; sleep 0.05; done
}

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$BASE/dovecot/dovecot.conf" ] && dovecot -c "$BASE/dovecot/dovecot.conf" stop 2>/dev/null || true
  [ -d "$BASE/pf/etc" ] && postfix -c "$BASE/pf/etc" stop >/dev/null 2>&1 || true
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

# --- Appliance ---
A_CG=$(cg_make appliance); [ -n "$A_CG" ] && groups_made+=("$A_CG")
APORT=$(free_port)
$APPLIANCE --data "$BASE/appliance" setup --hostname mail.example.com --domain example.com \
  --admin admin@example.com --admin-password "Bench-$(date +%s)-Pass" >/dev/null
$APPLIANCE --data "$BASE/appliance" user add bob@example.com --password "Bench-Pass-2026" >/dev/null
# Started directly (not through the cg_run function, which would run in a subshell) so that $! is
# the server's own pid and the kill below reaches it: an orphaned server keeps the build lock's
# descriptor, inherited through flock, and holds the lock for everyone.
bash -c '[ -z "$0" ] || echo $$ > "$0/cgroup.procs"; exec "$@"' "$A_CG" $APPLIANCE --data "$BASE/appliance" serve --Appliance:Listeners:Smtp="$APORT" --Appliance:Listeners:Http="$(free_port)" \
  --Appliance:Listeners:Https=0 --Appliance:Listeners:Submission=0 --Appliance:Listeners:Smtps=0 \
  --Logging:LogLevel:Default=Warning >"$BASE/appliance.log" 2>&1 &
pids+=($!)
wait_for 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$APORT"

appliance_count() { sqlite3 "$BASE/appliance/appliance.db" "SELECT COUNT(*) FROM messages"; }
appliance_done() { [ "$(appliance_count)" -ge "$MESSAGES" ]; }
a_cpu() { if [ -n "$A_CG" ]; then cg_ns "$A_CG"; else proc_ns "${pids[0]}"; fi; }
sleep 2   # let start-up work (migrations, first jobs) settle; it is not the messages' cost
echo "Appliance: smtp-source -s $SESSIONS -m $MESSAGES -l $SIZE"
c0=$(a_cpu); t0=$(now)
timeout "$TIMEOUT" smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -f sender@bench.example -t bob@example.com "127.0.0.1:$APORT"
t1=$(now)
wait_for "$TIMEOUT" appliance_done
t2=$(now); c1=$(a_cpu)
# The search index is built after delivery, by a background job: its share, over the next 3 s.
sleep 3; c2=$(a_cpu)
a_accept=$(rate "$MESSAGES" "$t0" "$t1"); a_deliver=$(rate "$MESSAGES" "$t0" "$t2")
a_cpu_ms=$(/usr/bin/python3 -c "print(f'{($c1-$c0)/1e6/$MESSAGES:.2f}')")
a_after_ms=$(/usr/bin/python3 -c "print(f'{($c2-$c1)/1e6/$MESSAGES:.2f}')")
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()

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
echo "Postfix + Dovecot LMTP: smtp-source -s $SESSIONS -m $MESSAGES -l $SIZE"
c0=$(p_cpu); t0=$(now)
timeout "$TIMEOUT" smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -f sender@bench.example -t bob@example.com "127.0.0.1:$PPORT"
t1=$(now)
wait_for "$TIMEOUT" dovecot_done
t2=$(now); c1=$(p_cpu)
p_accept=$(rate "$MESSAGES" "$t0" "$t1"); p_deliver=$(rate "$MESSAGES" "$t0" "$t2")
if [ -n "$c0" ]; then p_cpu_ms=$(/usr/bin/python3 -c "print(f'{($c1-$c0)/1e6/$MESSAGES:.2f}')"); else p_cpu_ms=n/a; fi

echo
echo "fsync latency (4 KiB append + fsync, this disk): $fsync_ms ms; $(nproc) cores"
printf '%-26s %12s %12s %16s\n' "" "accepted/s" "delivered/s" "CPU ms/message"
printf '%-26s %12s %12s %16s\n' "Appliance" "$a_accept" "$a_deliver" "$a_cpu_ms"
printf '%-26s %12s %12s %16s\n' "Postfix + Dovecot LMTP" "$p_accept" "$p_deliver" "$p_cpu_ms"
echo "  (Appliance, the background indexer in the 3 s after delivery: +$a_after_ms CPU ms/message)"
/usr/bin/python3 -c "print(f'ratio (Appliance / Postfix+Dovecot): accepted {$a_accept/$p_accept:.2f}x, delivered {$a_deliver/$p_deliver:.2f}x')"
[ "$p_cpu_ms" = n/a ] || /usr/bin/python3 -c "print(f'CPU per message (Appliance / Postfix+Dovecot): {$a_cpu_ms/$p_cpu_ms:.2f}x')"
