#!/usr/bin/env bash
# The README's test command: installs the Debian programs the tests drive when they are missing,
# builds, runs every test and ends with the line "N passed, N failed".
# Under CI (CI=true) a prerequisite that cannot be installed is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a shell test that holds once it is installed.
declare -A prerequisites=(
  [chromium]="command -v chromium"
  [swaks]="command -v swaks"
  # swaks speaks STARTTLS only with Net::SSLeay, which is a mere recommendation of its package.
  [libnet-ssleay-perl]="perl -MNet::SSLeay -e 1"
  [curl]="command -v curl"
  [python3]="command -v /usr/bin/python3"
  # dkimpy is the independent DKIM and ARC oracle of Filtering/Dkim (signing and verification both ways); Ed25519 needs python3-nacl.
  [python3-dkim]="/usr/bin/python3 -c 'import dkim, nacl'"
  [openssl]="command -v openssl"
  [isync]="command -v mbsync"
  # Dovecot is the reference IMAP server of ImapReferenceTests (dovecot-imapd pulls in dovecot-core).
  # Authen::SCRAM is the third-party SCRAM-SHA-256 client of ScramEndToEndTests (Debian's curl has no SCRAM).
  [libauthen-scram-perl]="perl -MAuthen::SCRAM::Client -e 1"
  [dovecot-imapd]="test -x /usr/sbin/dovecot && test -x /usr/lib/dovecot/imap"
  # Pigeonhole's sieve-test is the oracle of SieveDifferentialTests (Filtering/Sieve).
  [dovecot-sieve]="command -v sieve-test"
  # The spam and virus scanners of Filtering/Scanning: the tests start a private spamd (local rules, which the
  # spamassassin package it pulls in ships) and a private clamd with an EICAR-only signature file (no freshclam).
  [spamd]="test -x /usr/sbin/spamd && test -f /etc/spamassassin/v320.pre"
  [clamav-daemon]="test -x /usr/sbin/clamd"
  # rspamd is the HTTP-API spam scanner of RspamdClientTests and RspamdEndToEndTests: a private one with Debian's rules,
  # no redis and DNS pointed at a dead loopback port.
  [rspamd]="test -x /usr/bin/rspamd"
  # pyspf is the SPF oracle of SpfDifferentialTests; it must find dnspython, which the tests point at the loopback responder.
  # python3-spf may pull pydns instead (its dependency is "python3-dns | python3-dnspython"): ask for dnspython by name.
  [python3-spf]="/usr/bin/python3 -c 'import spf'"
  [python3-dnspython]="/usr/bin/python3 -c 'import dns.resolver'"
  # Mail::DMARC is the DMARC oracle of DmarcDifferentialTests; authres parses our Authentication-Results back (RFC 8601).
  [libmail-dmarc-perl]="perl -MMail::DMARC::PurePerl -MNet::DNS -e 1"
  [python3-authres]="/usr/bin/python3 -c 'import authres, authres.dmarc, authres.arc'"
  # sieve-connect is the third-party ManageSieve client of ManageSieveEndToEndTests.
  [sieve-connect]="command -v sieve-connect"
)
present() { bash -c "${prerequisites[$1]}" >/dev/null 2>&1; }

missing=()
for package in "${!prerequisites[@]}"; do
  present "$package" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: the tests need ${missing[*]}; run this as root or 'apt-get install ${missing[*]}' first" >&2
    exit 1
  fi
  echo "installing test prerequisites: ${missing[*]}"
  # Installing dovecot, spamd or clamav-daemon (and freshclam, which it pulls in) starts their system daemons on the
  # standard ports unless policy-rc.d says no (101): the tests start their own private instances on free loopback ports.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  install_status=0
  { apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null; } || install_status=$?
  [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
  [ "$install_status" -eq 0 ] || { echo "error: apt-get failed ($install_status) installing ${missing[*]}" >&2; exit 1; }
fi
for package in "${!prerequisites[@]}"; do
  if ! present "$package"; then
    echo "error: Debian package $package is still missing ('${prerequisites[$package]}' fails)" >&2
    exit 1
  fi
done

results="$(pwd)/TestResults"
rm -rf "$results"
status=0
dotnet test appliance.sln --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?

counters=$(grep -o '<Counters [^>]*>' "$results/results.trx" 2>/dev/null || true)
if [ -z "$counters" ]; then
  echo "error: the test run left no results (build failure?)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
passed=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
failed=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
total=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$total" -eq 0 ]; then
  exit 1
fi
