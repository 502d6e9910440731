#!/usr/bin/env bash
# Fuzzes the parsers that read hostile input (docs/fuzzing.md): SharpFuzz-instrumented Appliance.dll under AFL++,
# one bounded run per target. Not run in CI.
#
#   bench/fuzz.sh [seconds-per-target] [target...]      targets: mime imap smtp pop3 dns html (default: all)
#
# Installs what it lacks: Debian's afl++ (apt-get) and the SharpFuzz.CommandLine 2.3.0 dotnet tool (into
# $FUZZ_WORK/tools). Work, corpora and findings go to $FUZZ_WORK (default /tmp/appliance-fuzz); each target's
# crashes and hangs are replayed at the end with the exception they raise. Every build and fuzz run takes the
# shared build lock and runs under nice, so that the machine's other users keep a core.
set -euo pipefail

SECONDS_PER_TARGET=${1:-60}
shift || true
ALL_TARGETS=(mime imap smtp pop3 dns html)
TARGETS=("${@:-${ALL_TARGETS[@]}}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${FUZZ_WORK:-/tmp/appliance-fuzz}
LOCK=${BUILD_LOCK:-/tmp/appliance-build.lock}
# A hang: one input that takes longer than this (ms). The targets take well under 10 ms per input once warm.
HANG_MS=${FUZZ_HANG_MS:-2000}
TESTDATA=$ROOT/Appliance.Tests/TestData

for t in "${TARGETS[@]}"; do
  [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || { echo "unknown target $t (one of: ${ALL_TARGETS[*]})" >&2; exit 2; }
done
[[ $SECONDS_PER_TARGET =~ ^[0-9]+$ ]] || { echo "usage: $0 [seconds-per-target] [target...]" >&2; exit 2; }

if ! command -v afl-fuzz >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq afl++
fi
mkdir -p "$WORK/tools"
if [ ! -x "$WORK/tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$WORK/tools"
fi

echo "== build (Release) and instrument Appliance.dll"
nice -n 19 flock "$LOCK" dotnet build "$ROOT/bench/Fuzz/Fuzz.csproj" -c Release -nologo -v quiet
rm -rf "$WORK/bin"
cp -r "$ROOT/bench/Fuzz/bin/Release/net10.0/linux-x64" "$WORK/bin"
"$WORK/tools/sharpfuzz" "$WORK/bin/Appliance.dll"

seed() { # target → seed folder: the kept inputs of TestData/Fuzz/<target> and the parser's own golden files
  local t=$1 dir=$WORK/seeds/$1
  rm -rf "$dir"; mkdir -p "$dir"
  cp "$TESTDATA/Fuzz/$t"/* "$dir"/ 2>/dev/null || true
  case $t in
    mime) cp "$TESTDATA/Mime"/*.eml "$dir"/ ;;
    html) cp "$TESTDATA/HostileHtml"/*.html "$dir"/ ;;
  esac
  # AFL++ refuses inputs over 1 MB and works best on small ones.
  find "$dir" -type f -size +64k -delete
}

stat_of() { awk -F' *: *' -v k="$2" '$1 == k { print $2 }' "$1" 2>/dev/null || true; }

# .NET is not a binary AFL++ instrumented: SharpFuzz speaks the forkserver protocol from inside the process.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_FORKSRV_INIT_TMOUT=60000 DOTNET_TieredPGO=0 DOTNET_CLI_TELEMETRY_OPTOUT=1
REPORT=$WORK/report.txt
printf '%-6s %8s %10s %8s %8s %8s %8s\n' target seconds execs exec/s paths crashes hangs > "$REPORT"
for t in "${TARGETS[@]}"; do
  seed "$t"
  out=$WORK/findings/$t
  rm -rf "$out"; mkdir -p "$out" "$WORK/logs"
  echo "== $t: ${SECONDS_PER_TARGET}s from $(ls "$WORK/seeds/$t" | wc -l) seeds"
  nice -n 19 flock "$LOCK" afl-fuzz -V "$SECONDS_PER_TARGET" -t "$HANG_MS" -m none \
    -x "$ROOT/bench/Fuzz/dict/$t.dict" -i "$WORK/seeds/$t" -o "$out" \
    -- dotnet "$WORK/bin/Fuzz.dll" "$t" > "$WORK/logs/$t.log" 2>&1 || { echo "afl-fuzz failed, see $WORK/logs/$t.log"; tail -20 "$WORK/logs/$t.log"; continue; }
  stats=$out/default/fuzzer_stats
  crashes=$(find "$out/default/crashes" -type f -name 'id:*' | wc -l)
  hangs=$(find "$out/default/hangs" -type f -name 'id:*' | wc -l)
  printf '%-6s %8s %10s %8s %8s %8s %8s\n' "$t" "$(stat_of "$stats" run_time)" "$(stat_of "$stats" execs_done)" \
    "$(stat_of "$stats" execs_per_sec)" "$(stat_of "$stats" corpus_count)" "$crashes" "$hangs" | tee -a "$REPORT"
  if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    echo "   replaying the findings (uninstrumented build):"
    nice -n 19 flock "$LOCK" timeout 120 dotnet "$ROOT/bench/Fuzz/bin/Release/net10.0/linux-x64/Fuzz.dll" "$t" \
      "$out/default/crashes" "$out/default/hangs" 2>&1 | grep -v '^ok' | cut -c1-400 | head -20 || true
  fi
done
echo
cat "$REPORT"
echo "findings: $WORK/findings/<target>/default/{crashes,hangs}; replay one with"
echo "  dotnet bench/Fuzz/bin/Release/net10.0/linux-x64/Fuzz.dll <target> <file>"
